package io.hacover.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * What the engine logs without any listener of the application's own, against a real line
 * server that is killed and restarted: one line for each stale error that starts a
 * recovery, each recovery and each give-up, a bounded number of lines for failed
 * attempts, each naming the connection and the cause, credentials masked (H9, H11, H12,
 * H18).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class RecoveryLoggingTests {

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<SocketConnection> plain = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void logTheEngineAtEveryLevel() {
		// Whatever logging configuration the test class path holds (the benchmarks add
		// one that logs warnings only).
		LoggingSystem.get(RecoveryLoggingTests.class.getClassLoader()).setLogLevel("io.hacover.core", LogLevel.DEBUG);
	}

	@AfterEach
	void closeEverything() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	@DisplayName("H9, H10: a server restart logs the lost connection at WARN and its recovery at INFO, once each, naming the connection and the cause")
	void restartLogsTheFailureAndTheRecoveryOnce(CapturedOutput output) throws IOException {
		LineServer server = server();
		SocketConnection connection = connect(table(policy(5)), server, SocketOptions.defaults());
		server.kill();
		await().atMost(Duration.ofSeconds(5)).until(() -> LineCalls.writeFails(this.plain.get(0)));
		server.restart();
		assertThat(LineCalls.call(connection, "ECHO after")).isEqualTo("after");
		assertThat(
				lines(output, "WARN",
						"Connection 'feed' (socket) lost: SocketException: connection 'feed': "
								+ "writing to 127.0.0.1:" + server.port() + " failed"))
			.singleElement()
			.asString()
			.endsWith("; recovering");
		assertThat(lines(output, "INFO", "Connection 'feed' (socket) recovered in ")).singleElement()
			.asString()
			.endsWith(" after 1 attempt");
	}

	@Test
	@DisplayName("H12: a recovery of 100 attempts logs the failed attempts numbered by a power of two at INFO, not all 99")
	void failedAttemptsAreLoggedBounded(CapturedOutput output) throws IOException {
		LineServer server = server();
		List<InetSocketAddress> endpoints = List.of(endpointOf(server));
		SocketConnection connection = connect(table(policy(100)), server,
				SocketOptions.defaults().withRecovery((context) -> {
					if (context.attempt() == 100) {
						server.restart();
					}
					return HaSockets.reconnect(context, endpoints);
				}));
		server.kill();
		await().atMost(Duration.ofSeconds(5)).until(() -> LineCalls.writeFails(this.plain.get(0)));
		assertThat(LineCalls.call(connection, "ECHO after")).isEqualTo("after");
		assertThat(lines(output, "INFO", "Connection 'feed' (socket): recovery attempt "))
			.extracting((line) -> line.replaceAll(".*recovery attempt (\\d+) failed: ConnectException: "
					+ "connection 'feed': could not connect to any of .*", "$1"))
			.containsExactly("1", "2", "4", "8", "16", "32", "64");
		assertThat(lines(output, "INFO", "Connection 'feed' (socket) recovered in ")).singleElement()
			.asString()
			.endsWith(" after 100 attempts");
	}

	@Test
	@DisplayName("H11: a recovery that gives up is logged at WARN with its reason, once")
	void giveUpIsLoggedWithItsReason(CapturedOutput output) throws IOException {
		LineServer server = server();
		SocketConnection connection = connect(table(policy(3)), server, SocketOptions.defaults());
		server.kill();
		await().atMost(Duration.ofSeconds(5)).until(() -> LineCalls.writeFails(this.plain.get(0)));
		assertThat(catchThrowable(() -> LineCalls.call(connection, "ECHO after"))).isInstanceOf(IOException.class);
		assertThat(lines(output, "WARN", "Connection 'feed' (socket): recovery gave up after 3 attempts in "))
			.singleElement()
			.asString()
			.contains(" ms: the recovery policy exponential(")
			.endsWith("; callers get the stale error");
	}

	@Test
	@DisplayName("H18: what is logged masks credentials: a handshake that fails with a token in its message")
	void loggedFailuresMaskCredentials(CapturedOutput output) throws IOException {
		LineServer server = server();
		AtomicBoolean refuse = new AtomicBoolean();
		SocketConnection connection = connect(table(policy(2)), server,
				SocketOptions.defaults().withHandshake((fresh) -> {
					if (refuse.get()) {
						throw new IOException("login refused for token=hunter2");
					}
				}));
		server.kill();
		await().atMost(Duration.ofSeconds(5)).until(() -> LineCalls.writeFails(this.plain.get(0)));
		server.restart();
		refuse.set(true);
		assertThat(catchThrowable(() -> LineCalls.call(connection, "ECHO after"))).isInstanceOf(IOException.class);
		assertThat(lines(output, "INFO", "Connection 'feed' (socket): recovery attempt 1 failed: ")).singleElement()
			.asString()
			.contains("token=******");
		assertThat(output.getAll()).doesNotContain("hunter2");
	}

	private SocketConnection connect(HaConnections connections, LineServer server, SocketOptions options)
			throws IOException {
		SocketHandshake handshake = options.handshake();
		SocketConnection connection = new HaSockets(connections).connect("feed", List.of(endpointOf(server)),
				options.withHandshake((fresh) -> {
					this.plain.add(fresh);
					handshake.perform(fresh);
				}));
		this.closeables.add(connection);
		assertThat(LineCalls.call(connection, "ECHO before")).isEqualTo("before");
		return connection;
	}

	private LineServer server() throws IOException {
		LineServer server = LineServer.start();
		this.closeables.add(server);
		return server;
	}

	private static HaConnections table(RecoveryPolicy policy) {
		// Without readiness probes: each attempt reaches the server that is down.
		return HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults(), Duration.ZERO);
	}

	private static RecoveryPolicy policy(int maxAttempts) {
		return RecoveryPolicy.exponential()
			.initialDelay(Duration.ofMillis(1))
			.multiplier(1)
			.maxDelay(Duration.ofMillis(1))
			.maxAttempts(maxAttempts)
			.budget(Duration.ofSeconds(20))
			.build();
	}

	private static InetSocketAddress endpointOf(LineServer server) {
		return new InetSocketAddress("127.0.0.1", server.port());
	}

	private static List<String> lines(CapturedOutput output, String level, String text) {
		return output.getAll()
			.lines()
			.filter((line) -> line.contains(" " + level + " ") && line.contains(text))
			.toList();
	}

}
