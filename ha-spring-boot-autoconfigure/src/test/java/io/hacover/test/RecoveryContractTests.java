package io.hacover.test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The recovery contract on an {@code @HaAware} client of a real line server: it passes on
 * a recovery function that does its job, and fails, saying what is wrong, on one that
 * returns the wrong type (H29), one that leaves the replaced client open, and one that
 * forgets the session state (H27).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecoveryContractTests {

	private LineServer server;

	private ApplicationContextRunner runner;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
		this.runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withUserConfiguration(LineConfiguration.class)
			.withPropertyValues("line.port=" + this.server.port(), "ha.defaults.backoff.initial-delay=10ms",
					"ha.defaults.backoff.max-delay=50ms", "ha.defaults.backoff.budget=500ms");
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H4, H11, H19, H27, H28, H29: the contract passes on a recovery function that closes the failed "
			+ "client, connects again and sets the session value again")
	void passesOnARecoveryFunctionThatDoesItsJob() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> reconnect(this.server, true)).run((context) -> {
			contract(context).verify();
			LineClient client = context.getBean("lineClient", LineClient.class);
			assertThat(client.send("GET")).isEqualTo("ada");
			assertThat(context.getBean(HaConnections.class).find("line").orElseThrow().recovery())
				.isEqualTo("reconnect");
			await().untilAsserted(() -> assertThat(this.server.openConnections()).isEqualTo(2));
		});
	}

	@Test
	@DisplayName("H26: the contract passes on a bean that recovers by being made again, and skips the bean check")
	void passesOnABeanThatIsMadeAgain() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> reconnect(this.server, true)).run((context) -> {
			RecoveryContract.of(context, "fresh", LineClient.class).call((client) -> client.send("PING")).verify();
			await().untilAsserted(() -> assertThat(this.server.openConnections()).isEqualTo(2));
		});
	}

	@Test
	@DisplayName("H29: a function that returns another type fails check 2, naming the bean and what it returned")
	void failsOnAFunctionThatReturnsTheWrongType() {
		RecoveryFunction<CharSequence> wrongType = (context) -> "a client";
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> wrongType).run((context) -> {
			assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> contract(context).verify())
				.withMessageContaining("Recovery contract of connection 'line' (LineClient, recovery bean 'reconnect')")
				.withMessageContaining("2. returns a resource of the connection's type: recovery bean 'reconnect' "
						+ "returned a java.lang.String, which is not a " + LineClient.class.getName())
				.withMessageContaining("1. one recovery for 32 callers: 32 of 32 calls failed")
				.withMessageContaining("the recovery gave up");
		});
	}

	@Test
	@DisplayName("H7: a function that never closes the failed client fails check 3, and only that one")
	void failsOnAFunctionThatLeavesTheReplacedClientOpen() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> leaky(this.server)).run((context) -> {
			assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> contract(context).verify())
				.withMessageContaining("1 of 6 checks failed")
				.withMessageContaining(
						"3. closes what it replaces: the recovery function left 20 of 20 replaced " + "resources open")
				.withMessageContaining("Close it in the function");
		});
	}

	@Test
	@DisplayName("H27: a function that forgets the session value fails check 6 with what the state check said")
	void failsOnAFunctionThatForgetsTheSessionState() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> reconnect(this.server, false))
			.run((context) -> {
				assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> contract(context).verify())
					.withMessageContaining("1 of 6 checks failed")
					.withMessageContaining("6. the state holds after each recovery: the state check failed 23 times "
							+ "in 23 recoveries; the first, after the outage of 32 callers:")
					.withMessageContaining("expected: \"ada\"")
					.withMessageContaining("must rebuild on the new resource the session state");
			});
	}

	@Test
	@DisplayName("H12, H28: a budget too long for a test fails check 4 at once, with the property that fixes it")
	void aLongBudgetFailsTheBudgetCheckWithItsFix() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> reconnect(this.server, true))
			.withPropertyValues("ha.defaults.backoff.budget=30s")
			.run((context) -> assertThatExceptionOfType(AssertionError.class)
				.isThrownBy(() -> contract(context).verify())
				.withMessageContaining("1 of 6 checks failed")
				.withMessageContaining("4. gives up within the budget: not run: the recovery budget of connection "
						+ "'line' is 30000 ms")
				.withMessageContaining("ha.connections.line.backoff.budget=1s"));
	}

	@Test
	@DisplayName("H1: a name that is no HA connection of that type is refused with the names there are")
	void unknownConnectionIsRefused() {
		this.runner.withBean("reconnect", RecoveryFunction.class, () -> reconnect(this.server, true))
			.run((context) -> assertThatIllegalArgumentException()
				.isThrownBy(() -> RecoveryContract.of(context, "lines", LineClient.class)
					.call((client) -> client.send("PING"))
					.verify())
				.withMessageContaining(
						"no bean of type " + LineClient.class.getName() + " is the HA connection 'lines'")
				.withMessageContaining("[fresh, line]"));
	}

	private static RecoveryContract<LineClient> contract(ApplicationContext context) {
		return RecoveryContract.of(context, "line", LineClient.class)
			.call((client) -> client.send("PING"))
			.state((client) -> client.send("SET ada"), (client) -> assertThat(client.send("GET")).isEqualTo("ada"));
	}

	/**
	 * Closes the failed client, connects again, and sets the session value again unless
	 * told to forget it.
	 */
	static RecoveryFunction<LineClient> reconnect(LineServer server, boolean restoreState) {
		return (context) -> {
			SessionLineClient failed = (SessionLineClient) context.failedResource();
			failed.close();
			SessionLineClient fresh = SessionLineClient.connect(server.port());
			if (restoreState && failed.session() != null) {
				fresh.send("SET " + failed.session());
			}
			return fresh;
		};
	}

	/**
	 * Connects again and sets the session value again, but leaves the failed client open.
	 */
	static RecoveryFunction<LineClient> leaky(LineServer server) {
		return (context) -> {
			SessionLineClient failed = (SessionLineClient) context.failedResource();
			SessionLineClient fresh = SessionLineClient.connect(server.port());
			fresh.send("SET " + failed.session());
			return fresh;
		};
	}

	@Configuration(proxyBeanMethods = false)
	static class LineConfiguration {

		@Bean
		@HaAware(recovery = "reconnect", name = "line")
		LineClient lineClient(@Value("${line.port}") int port) throws IOException {
			return SessionLineClient.connect(port);
		}

		@Bean
		@HaAware(name = "fresh")
		LineClient freshLineClient(@Value("${line.port}") int port) throws IOException {
			return SessionLineClient.connect(port);
		}

	}

	/**
	 * A line client that remembers the session value it set, as a client keeps what it
	 * set on its session, so that a recovery can set it again.
	 */
	static final class SessionLineClient implements LineClient {

		private final SocketLineClient client;

		private volatile String session;

		private SessionLineClient(SocketLineClient client) {
			this.client = client;
		}

		static SessionLineClient connect(int port) throws IOException {
			return new SessionLineClient(SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5)));
		}

		@Override
		public String send(String request) throws IOException {
			String reply = this.client.send(request);
			if (request.startsWith("SET ")) {
				this.session = request.substring("SET ".length());
			}
			return reply;
		}

		String session() {
			return this.session;
		}

		@Override
		public void close() throws IOException {
			this.client.close();
		}

	}

}
