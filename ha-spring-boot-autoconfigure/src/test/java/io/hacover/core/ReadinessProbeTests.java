package io.hacover.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Readiness probes (H12): a connection that names its server's endpoint waits, while it
 * recovers, for the one probe of that endpoint to find the port open, instead of sleeping
 * out its back-off and reconnecting blind, and attempts the reconnect as soon as the port
 * opens; every connection to the endpoint shares the probe. The budget still ends a
 * recovery (H28).
 */
class ReadinessProbeTests {

	private static final Duration INTERVAL = Duration.ofMillis(10);

	private static final RecoveryPolicy QUICK_BACK_OFF = RecoveryPolicy.exponential()
		.initialDelay(Duration.ofMillis(20))
		.maxDelay(Duration.ofMillis(20))
		.maxAttempts(1000)
		.budget(Duration.ofSeconds(30))
		.build();

	private final ExecutorService callers = Executors.newCachedThreadPool();

	private LineServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
	}

	@AfterEach
	void stop() {
		this.callers.shutdownNow();
		this.server.close();
	}

	@Test
	@DisplayName("H12: while the server is down, a recovery makes one attempt and then waits for the probe; it "
			+ "reconnects once the port opens")
	void recoveryWaitsForThePortInsteadOfReconnectingBlind() throws Exception {
		HaConnections connections = table(INTERVAL);
		LineClient client = attach(connections, "probed");
		assertThat(client.send("ECHO before")).isEqualTo("before");
		this.server.kill();
		CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> send(client, "ECHO after"), this.callers);
		await().until(() -> connections.probesSent(endpoint()) >= 30);
		ConnectionInfo whileDown = connections.find("probed").orElseThrow();
		// With a back-off of 20 ms, 30 probes are about 15 blind reconnects: there is
		// one.
		assertThat(whileDown.attempts()).isOne();
		assertThat(whileDown.attemptsFailed()).isOne();
		this.server.restart();
		assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("after");
		ConnectionInfo after = connections.find("probed").orElseThrow();
		assertThat(after.attempts()).isEqualTo(2);
		assertThat(after.recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H12, H19: a hundred connections to a down server share one probe, at most one per interval, and "
			+ "make one attempt each while it is down")
	void connectionsToOneServerShareOneProbe() throws Exception {
		HaConnections connections = table(INTERVAL);
		List<LineClient> clients = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			clients.add(attach(connections, "client-" + i));
		}
		this.server.kill();
		long started = System.nanoTime();
		long probesBefore = connections.probesSent(endpoint());
		List<CompletableFuture<String>> calls = new ArrayList<>();
		for (LineClient client : clients) {
			calls.add(CompletableFuture.supplyAsync(() -> send(client, "ECHO back"), this.callers));
		}
		await().until(() -> connections.probesSent(endpoint()) - probesBefore >= 50);
		long probes = connections.probesSent(endpoint()) - probesBefore;
		long intervals = (System.nanoTime() - started) / INTERVAL.toNanos();
		assertThat(probes).as("probes in %d intervals", intervals).isLessThanOrEqualTo(intervals + 1);
		assertThat(connections.connections()).allSatisfy((info) -> assertThat(info.attempts()).isOne());
		this.server.restart();
		for (CompletableFuture<String> call : calls) {
			assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("back");
		}
		assertThat(connections.connections()).allSatisfy((info) -> {
			assertThat(info.recoveriesSucceeded()).isOne();
			assertThat(info.attempts()).isEqualTo(2);
		});
	}

	@Test
	@DisplayName("H28, H11: a port that never opens ends the recovery at its budget, with the original error")
	void portThatNeverOpensEndsTheRecoveryAtItsBudget() throws Exception {
		RecoveryPolicy shortBudget = RecoveryPolicy.exponential().budget(Duration.ofMillis(500)).build();
		HaConnections connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(shortBudget),
				StaleConnectionClassifier.defaults(), INTERVAL);
		LineClient client = attach(connections, "gone");
		this.server.kill();
		Throwable thrown = catchThrowable(() -> client.send("ECHO lost"));
		assertThat(thrown).isInstanceOf(IOException.class);
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason).hasMessageContaining("port did not open within the budget"));
		assertThat(connections.find("gone").orElseThrow().attempts()).isOne();
	}

	@Test
	@DisplayName("H12: with probes off, a recovery sleeps out its back-off and reconnects blind, as before")
	void withoutProbesRecoverySleepsOutItsBackOff() throws Exception {
		HaConnections connections = table(Duration.ZERO);
		LineClient client = attach(connections, "blind");
		this.server.kill();
		CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> send(client, "ECHO after"), this.callers);
		await().until(() -> connections.find("blind").orElseThrow().attempts() >= 5);
		assertThat(connections.probesSent(endpoint())).isZero();
		this.server.restart();
		assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("after");
	}

	private HaConnections table(Duration interval) {
		return HaConnections.create(ConnectionSettings.defaults().withPolicy(QUICK_BACK_OFF),
				StaleConnectionClassifier.defaults(), interval);
	}

	private LineClient attach(HaConnections connections, String name) throws IOException {
		return connections.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name(name)
			.endpoints(List.of(endpoint()))
			.recovery((context) -> LineConnections.connect(this.server)));
	}

	private InetSocketAddress endpoint() {
		return new InetSocketAddress(LineConnections.HOST, this.server.port());
	}

	private static String send(LineClient client, String request) {
		try {
			return client.send(request);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
