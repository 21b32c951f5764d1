package io.hacover.spring;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.hacover.core.RecoveryFailedException;
import io.hacover.testsupport.CountingReconnect;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * An {@code @HaAware} client behind a fault-injecting proxy: the network breaks the way
 * networks do, and the client recovers or, when the server never comes back, fails with
 * the original error.
 */
class HaAwareFaultProxyTests {

	private LineServer server;

	private TcpFaultProxy proxy;

	private ApplicationContextRunner runner;

	@BeforeEach
	void startServerAndProxy() throws IOException {
		this.server = LineServer.start();
		this.proxy = TcpFaultProxy.start(this.server.port());
		this.runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withUserConfiguration(ProxiedClientConfiguration.class)
			.withPropertyValues("line.port=" + this.proxy.port(), "ha.connections.line.backoff.initial-delay=10ms",
					"ha.connections.line.backoff.max-delay=50ms");
	}

	@AfterEach
	void stopServerAndProxy() {
		this.proxy.close();
		this.server.close();
	}

	@Test
	@DisplayName("H10: connections cut by the network are recovered and the call goes through")
	void cutConnectionsAreRecovered() {
		this.runner.run((context) -> {
			LineClient client = context.getBean(LineClient.class);
			assertThat(client.send("ECHO before")).isEqualTo("before");
			this.proxy.cutAll();
			assertThat(client.send("ECHO after")).isEqualTo("after");
			ConnectionInfo info = context.getBean(HaConnections.class).find("line").orElseThrow();
			assertThat(info.recoveriesSucceeded()).isOne();
			assertThat(info.retransmissions()).isOne();
			assertThat(context.getBean(CountingReconnect.class).recoveries()).isOne();
		});
	}

	@Test
	@DisplayName("H8 H12: a black-holed peer, detected by a read timeout, is recovered once the network heals")
	void blackHoledPeerIsDetectedByReadTimeoutAndRecovered() {
		this.runner.withPropertyValues("line.read-timeout-ms=300").run((context) -> {
			LineClient client = context.getBean(LineClient.class);
			CountingReconnect reconnect = context.getBean(CountingReconnect.class);
			assertThat(client.send("ECHO before")).isEqualTo("before");
			this.proxy.blackHole(true);
			CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> send(client, "ECHO through"));
			await().atMost(Duration.ofSeconds(20)).until(() -> reconnect.failedAttempts() >= 1);
			this.proxy.blackHole(false);
			assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("through");
			ConnectionInfo info = context.getBean(HaConnections.class).find("line").orElseThrow();
			assertThat(info.lastFailure().type()).isEqualTo(SocketTimeoutException.class.getName());
			assertThat(info.recoveriesSucceeded()).isOne();
			assertThat(info.attemptsFailed()).isEqualTo(reconnect.failedAttempts());
		});
	}

	@Test
	@DisplayName("H11 H12: a server that never comes back ends in the original error once the budget is spent, "
			+ "with the recovery failure attached")
	void serverThatNeverComesBackEndsInTheOriginalErrorAfterTheBudget() {
		this.runner
			.withPropertyValues("ha.connections.line.backoff.budget=500ms",
					"ha.connections.line.backoff.max-attempts=1000")
			.run((context) -> {
				LineClient client = context.getBean(LineClient.class);
				StartedRecoveries started = context.getBean(StartedRecoveries.class);
				assertThat(client.send("ECHO before")).isEqualTo("before");
				this.proxy.refuseNew(true);
				this.proxy.cutAll();
				Throwable thrown = catchThrowable(() -> client.send("ECHO lost"));
				assertThat(thrown).isInstanceOf(IOException.class).isSameAs(started.causes().get(0));
				assertThat(thrown.getSuppressed()).singleElement()
					.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
						assertThat(reason).hasMessageContaining("'line'").hasMessageContaining("budget of 500 ms");
						assertThat(reason.getCause()).isInstanceOf(ConnectException.class);
					});
				CountingReconnect reconnect = context.getBean(CountingReconnect.class);
				ConnectionInfo info = context.getBean(HaConnections.class).find("line").orElseThrow();
				assertThat(info.state()).isEqualTo(ConnectionState.FAILED);
				assertThat(info.recoveriesSucceeded()).isZero();
				assertThat(info.attemptsFailed()).isEqualTo(reconnect.calls()).isGreaterThan(1);
				assertThat(info.recoveriesFailed()).isOne();
				this.proxy.refuseNew(false);
				assertThat(client.send("ECHO back")).isEqualTo("back");
				assertThat(context.getBean(HaConnections.class).find("line").orElseThrow().state())
					.isEqualTo(ConnectionState.ATTACHED);
			});
	}

	private static String send(LineClient client, String request) {
		try {
			return client.send(request);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ProxiedClientConfiguration {

		@Bean
		@HaAware(recovery = "reconnect", name = "line")
		LineClient lineClient(@Value("${line.port}") int port,
				@Value("${line.read-timeout-ms:5000}") long readTimeoutMillis) throws IOException {
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofMillis(readTimeoutMillis));
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port,
				@Value("${line.read-timeout-ms:5000}") long readTimeoutMillis) {
			return new CountingReconnect(() -> port, Duration.ofMillis(readTimeoutMillis));
		}

		@Bean
		StartedRecoveries startedRecoveries() {
			return new StartedRecoveries();
		}

	}

	static class StartedRecoveries implements HaListener {

		private final List<Throwable> causes = new CopyOnWriteArrayList<>();

		@Override
		public void onEvent(HaEvent event) {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				this.causes.add(event.cause());
			}
		}

		List<Throwable> causes() {
			return this.causes;
		}

	}

}
