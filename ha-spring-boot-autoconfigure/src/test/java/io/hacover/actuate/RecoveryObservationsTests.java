package io.hacover.actuate;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.Attachment;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests for {@link RecoveryObservations}: the observations of recoveries of a connection
 * to a real {@link LineServer} that dies and comes back.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RecoveryObservationsTests {

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

	private final HaConnections connections = HaConnections.create(ConnectionSettings.defaults()
		.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(1), 1.0, Duration.ofMillis(1), 3,
				Duration.ofSeconds(5), Duration.ZERO)),
			StaleConnectionClassifier.defaults());

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private LineServer server;

	@BeforeEach
	void startServerAndObserve() throws IOException {
		this.server = LineServer.start();
		this.connections.addListener(new RecoveryObservations(this.registry));
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void eachRecoveryIsOneObservationStartedAndStoppedWithOutcomeRecovered() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry).doesNotHaveAnyObservation();
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry).hasSingleObservationThat()
			.hasNameEqualTo(RecoveryObservations.NAME)
			.hasContextualNameEqualTo("ha recovery orders")
			.hasLowCardinalityKeyValue("connection", "orders")
			.hasLowCardinalityKeyValue("outcome", "recovered")
			.doesNotHaveError()
			.doesNotHaveEvent(RecoveryObservations.ATTEMPT_FAILED)
			.doesNotHaveParentObservation()
			.hasBeenStarted()
			.hasBeenStopped();
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo(RecoveryObservations.NAME, 2)
			.forAllObservationsWithNameEqualTo(RecoveryObservations.NAME,
					(observation) -> observation.hasLowCardinalityKeyValue("outcome", "recovered"));
	}

	@Test
	void eachFailedAttemptIsAnEventOfTheObservation() throws IOException {
		AtomicInteger refusals = new AtomicInteger(2);
		LineClient orders = attach("orders", (context) -> {
			if (refusals.getAndDecrement() > 0) {
				throw new ConnectException("refused by the test");
			}
			return connect();
		});
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry).hasSingleObservationThat()
			.hasLowCardinalityKeyValue("outcome", "recovered")
			.hasEvent(RecoveryObservations.ATTEMPT_FAILED,
					"attempt 1 of the recovery function failed: java.net.ConnectException")
			.hasEvent(RecoveryObservations.ATTEMPT_FAILED,
					"attempt 2 of the recovery function failed: java.net.ConnectException")
			.doesNotHaveEvent(RecoveryObservations.ATTEMPT_FAILED,
					"attempt 3 of the recovery function failed: java.net.ConnectException")
			.hasBeenStopped();
	}

	@Test
	@DisplayName("H11: a recovery that gives up is observed with outcome gave-up and the stale error as its error")
	void recoveryThatGivesUpHasTheStaleErrorAsItsError() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		this.server.kill();
		IOException stale = (IOException) catchThrowable(() -> orders.send("PING"));
		assertThat(stale).isNotNull();
		assertThat(this.registry).hasSingleObservationThat()
			.hasLowCardinalityKeyValue("outcome", "gave-up")
			.hasError(stale)
			.hasBeenStopped()
			.assertThatError()
			.satisfies((error) -> assertThat(error.getSuppressed()).singleElement()
				.isInstanceOf(RecoveryFailedException.class));
	}

	@Test
	void recoveryEndedByAnInterruptIsObservedWithOutcomeInterrupted() throws IOException {
		LineClient orders = attach("orders", (context) -> {
			Thread.currentThread().interrupt();
			throw new ConnectException("refused by the test, which interrupts the recovering thread");
		});
		restartServer();
		try {
			assertThatIOException().isThrownBy(() -> orders.send("PING"));
		}
		finally {
			assertThat(Thread.interrupted()).isTrue();
		}
		assertThat(this.registry).hasSingleObservationThat()
			.hasLowCardinalityKeyValue("outcome", "interrupted")
			.doesNotHaveError()
			.hasBeenStopped();
	}

	@Test
	void observationOpenOnTheCallingThreadIsTheParentOfTheRecovery() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		restartServer();
		Observation caller = Observation.start("caller", this.registry);
		try (Observation.Scope scope = caller.openScope()) {
			assertThat(orders.send("PING")).isEqualTo("PONG");
			assertThat(this.registry.getCurrentObservation()).isSameAs(caller);
		}
		finally {
			caller.stop();
		}
		assertThat(this.registry).hasNumberOfObservationsEqualTo(2)
			.hasObservationWithNameEqualTo(RecoveryObservations.NAME)
			.that()
			.hasParentObservationEqualTo(caller)
			.hasBeenStopped();
	}

	private LineClient attach(String name, RecoveryFunction<LineClient> recovery) throws IOException {
		return this.connections.attach(Attachment.of(LineClient.class, connect()).name(name).recovery(recovery));
	}

	private RecoveryFunction<LineClient> reconnecting() {
		return (context) -> connect();
	}

	private LineClient connect() throws IOException {
		return SocketLineClient.connect("127.0.0.1", this.server.port(), READ_TIMEOUT);
	}

	private void restartServer() throws IOException {
		this.server.kill();
		this.server.restart();
	}

}
