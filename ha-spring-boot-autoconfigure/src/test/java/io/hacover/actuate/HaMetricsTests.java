package io.hacover.actuate;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.Attachment;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link HaMetrics}: the meters of connections to a real {@link LineServer}
 * that dies and comes back, against what the connections count themselves (H18).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HaMetricsTests {

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

	private static final int MAX_ATTEMPTS = 3;

	private final HaConnections connections = HaConnections.create(ConnectionSettings.defaults()
		.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(1), 1.0, Duration.ofMillis(1), MAX_ATTEMPTS,
				Duration.ofSeconds(5), Duration.ZERO)),
			StaleConnectionClassifier.defaults());

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private LineServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
		this.registry.close();
	}

	@Test
	@DisplayName("H18: the counters of a connection are 0 until it fails, whether attached before or after binding")
	void countersAreZeroForConnectionsAttachedBeforeAndAfterBinding() throws IOException {
		attach("before", reconnecting());
		new HaMetrics(this.connections).bindTo(this.registry);
		attach("after", reconnecting());
		for (String name : new String[] { "before", "after" }) {
			assertThat(recoveries(name, "success")).isZero();
			assertThat(recoveries(name, "failure")).isZero();
			assertThat(retransmissions(name)).isZero();
		}
		assertThat(this.registry.find("ha.recovery.duration").timers()).isEmpty();
	}

	@Test
	@DisplayName("H18: a recovery counts one success, as the connection does, is timed as recovered and its re-issue counted")
	void recoveryIsCountedTimedAndItsRetransmissionCounted() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		new HaMetrics(this.connections).bindTo(this.registry);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		ConnectionInfo info = info("orders");
		assertThat(recoveries("orders", "success")).isOne().isEqualTo(info.recoveriesSucceeded());
		assertThat(recoveries("orders", "failure")).isZero().isEqualTo(info.recoveriesFailed());
		assertThat(retransmissions("orders")).isOne().isEqualTo(info.retransmissions());
		assertThat(this.registry.get("ha.recovery.duration").tag("connection", "orders").timers()).singleElement()
			.satisfies((timer) -> {
				assertThat(timer.getId().getTag("outcome")).isEqualTo("recovered");
				assertThat(timer.count()).isOne();
				assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(info.lastRecovery().duration().toNanos());
			});
	}

	@Test
	@DisplayName("H18: each failed call of the recovery function counts one failure, as the connection counts it")
	void failedAttemptsAreCountedAsTheConnectionCountsThem() throws IOException {
		AtomicInteger refusals = new AtomicInteger(2);
		LineClient orders = attach("orders", (context) -> {
			if (refusals.getAndDecrement() > 0) {
				throw new ConnectException("refused by the test");
			}
			return connect();
		});
		new HaMetrics(this.connections).bindTo(this.registry);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		ConnectionInfo info = info("orders");
		assertThat(attempts("orders", "failure")).isEqualTo(2).isEqualTo(info.attemptsFailed());
		assertThat(attempts("orders", "success")).isOne();
		assertThat(recoveries("orders", "failure")).isZero().isEqualTo(info.recoveriesFailed());
		assertThat(recoveries("orders", "success")).isOne().isEqualTo(info.recoveriesSucceeded());
		assertThat(duration("orders", "recovered").count()).isOne();
	}

	@Test
	@DisplayName("H18: a recovery that gives up is timed as gave-up, its attempts are failures and the connection counts as failed")
	void recoveryThatGivesUpIsTimedAsGaveUp() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		new HaMetrics(this.connections).bindTo(this.registry);
		this.server.kill();
		assertThatIOException().isThrownBy(() -> orders.send("PING"));
		ConnectionInfo info = info("orders");
		assertThat(attempts("orders", "failure")).isEqualTo(MAX_ATTEMPTS).isEqualTo(info.attemptsFailed());
		assertThat(recoveries("orders", "failure")).isOne().isEqualTo(info.recoveriesFailed());
		assertThat(recoveries("orders", "success")).isZero();
		assertThat(duration("orders", "gave-up").count()).isOne();
		assertThat(this.registry.find("ha.recovery.duration").tag("outcome", "recovered").timer()).isNull();
		assertThat(connectionsIn("failed")).isOne();
		assertThat(connectionsIn("attached")).isZero();
	}

	@Test
	@DisplayName("H18, H31: a recovery ended by an interrupt is timed as interrupted, and counts no failure")
	void recoveryEndedByAnInterruptIsTimedAsInterrupted() throws IOException {
		LineClient orders = attach("orders", (context) -> {
			Thread.currentThread().interrupt();
			throw new ConnectException("refused by the test, which interrupts the recovering thread");
		});
		new HaMetrics(this.connections).bindTo(this.registry);
		restartServer();
		try {
			assertThatIOException().isThrownBy(() -> orders.send("PING"));
		}
		finally {
			assertThat(Thread.interrupted()).isTrue();
		}
		assertThat(duration("orders", "interrupted").count()).isOne();
		assertThat(recoveries("orders", "failure")).isZero().isEqualTo(info("orders").recoveriesFailed());
		assertThat(attempts("orders", "failure")).isZero().isEqualTo(info("orders").attemptsFailed());
		assertThat(connectionsIn("attached")).isOne();
	}

	@Test
	@DisplayName("H18: the ha.connections gauges follow attach, recovery, suspend and detach")
	void connectionGaugesFollowTheStates() throws IOException {
		new HaMetrics(this.connections).bindTo(this.registry);
		assertThat(connectionsIn("attached")).isZero();
		AtomicReference<Double> recoveringWhileRecovering = new AtomicReference<>();
		LineClient orders = attach("orders", (context) -> {
			recoveringWhileRecovering.set(connectionsIn("recovering"));
			return connect();
		});
		LineClient stock = attach("stock", reconnecting());
		assertThat(connectionsIn("attached")).isEqualTo(2);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(recoveringWhileRecovering).hasValue(1.0);
		assertThat(connectionsIn("recovering")).isZero();
		assertThat(connectionsIn("attached")).isEqualTo(2);
		this.connections.control(stock).suspend();
		assertThat(connectionsIn("suspended")).isOne();
		assertThat(connectionsIn("attached")).isOne();
		this.connections.control(stock).enable();
		this.connections.detach(orders);
		assertThat(connectionsIn("detached")).isOne();
		assertThat(connectionsIn("attached")).isOne();
		assertThat(connectionsIn("suspended")).isZero();
		assertThat(connectionsIn("closed")).isZero();
	}

	@Test
	@DisplayName("H18: the meters of a connection are removed when it is closed; those of the others stay")
	void metersOfAConnectionAreRemovedWhenItIsClosed() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		attach("stock", reconnecting());
		new HaMetrics(this.connections).bindTo(this.registry);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry.find("ha.recovery.duration").tag("connection", "orders").timer()).isNotNull();
		this.connections.close(orders);
		for (String name : new String[] { "ha.recoveries", "ha.recovery.duration", "ha.retransmissions" }) {
			assertThat(this.registry.find(name).tag("connection", "orders").meters()).as(name).isEmpty();
		}
		assertThat(recoveries("stock", "success")).isZero();
		assertThat(retransmissions("stock")).isZero();
		assertThat(connectionsIn("attached")).isOne();
		LineClient again = attach("orders", reconnecting());
		assertThat(recoveries("orders", "success")).isZero();
		this.connections.close(again);
		assertThat(this.registry.find("ha.recoveries").tag("connection", "orders").meters()).isEmpty();
	}

	@Test
	void bindingTwiceToTheSameRegistryCountsEachEventOnce() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		HaMetrics metrics = new HaMetrics(this.connections);
		metrics.bindTo(this.registry);
		metrics.bindTo(this.registry);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(recoveries("orders", "success")).isOne();
		assertThat(retransmissions("orders")).isOne();
	}

	@Test
	void metersHaveDescriptionsAndBaseUnits() throws IOException {
		LineClient orders = attach("orders", reconnecting());
		new HaMetrics(this.connections).bindTo(this.registry);
		restartServer();
		assertThat(orders.send("PING")).isEqualTo("PONG");
		assertThat(this.registry.getMeters()).isNotEmpty()
			.allSatisfy(
					(meter) -> assertThat(meter.getId().getDescription()).as(meter.getId().toString()).isNotBlank());
		assertThat(this.registry.get("ha.connections").gauge().getId().getBaseUnit()).isEqualTo("connections");
		assertThat(this.registry.get("ha.recoveries").counter().getId().getBaseUnit()).isEqualTo("recoveries");
		assertThat(this.registry.get("ha.retransmissions").counter().getId().getBaseUnit())
			.isEqualTo("retransmissions");
		assertThat(this.registry.get("ha.recovery.duration").timer().getId().getBaseUnit()).isEqualTo("seconds");
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

	private ConnectionInfo info(String name) {
		return this.connections.find(name).orElseThrow();
	}

	private long recoveries(String connection, String outcome) {
		return count("ha.recoveries", connection, outcome);
	}

	private long attempts(String connection, String outcome) {
		return count("ha.recovery.attempts", connection, outcome);
	}

	private long count(String name, String connection, String outcome) {
		return (long) this.registry.get(name).tag("connection", connection).tag("outcome", outcome).counter().count();
	}

	private long retransmissions(String connection) {
		return (long) this.registry.get("ha.retransmissions").tag("connection", connection).counter().count();
	}

	private Timer duration(String connection, String outcome) {
		return this.registry.get("ha.recovery.duration").tag("connection", connection).tag("outcome", outcome).timer();
	}

	private double connectionsIn(String state) {
		return this.registry.get("ha.connections").tag("state", state).gauge().value();
	}

}
