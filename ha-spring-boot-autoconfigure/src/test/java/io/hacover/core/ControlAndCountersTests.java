package io.hacover.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests of the control operations, limits and counters of a connection, and of the states
 * it goes through (H15 to H18).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlAndCountersTests {

	private final HaConnections ha = FastSettings.table();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private LineServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
	}

	@AfterEach
	void stopServerAndThreads() {
		this.executor.shutdownNow();
		this.server.close();
	}

	@Test
	@DisplayName("H15: once the limit of recoveries is reached, the function is not called again and stale errors reach the caller")
	void limitOfRecoveriesStopsRecovery() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = RecordingRecovery
			.of((context) -> LineConnections.connectCapturing(this.server));
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("limited").recovery(recovery));
		this.ha.control(connection).limitRecoveries(1);
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isInstanceOf(IOException.class)
			.isSameAs(((CapturingLineClient) recovery.lastResult()).lastFailure());
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason).hasMessageContaining("limit of 1 calls of the recovery function"));
		assertThat(recovery.calls()).isOne();
		assertThat(this.ha.control(connection).info().attempts()).isOne();
	}

	@Test
	@DisplayName("H15: the limit of recoveries counts failed calls of the recovery function too")
	void limitOfRecoveriesCountsFailedCalls() throws Exception {
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			throw new ConnectException("down");
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.recovery(recovery)
			.settings(FastSettings.withAttempts(5).withLimits(3, -1)));
		assertThatIOException().isThrownBy(() -> connection.call("x"));
		assertThat(recovery.calls()).isEqualTo(3);
		assertThatIOException().isThrownBy(() -> connection.call("y"));
		assertThat(recovery.calls()).isEqualTo(3);
		assertThat(this.ha.control(connection).info().attemptsFailed()).isEqualTo(3);
	}

	@Test
	@DisplayName("H15: a limit of 0 disables recovery, and by default there is no limit")
	void limitOfZeroDisablesRecoveryAndTheDefaultIsUnlimited() throws Exception {
		assertThat(ConnectionSettings.defaults().maxRecoveries()).isEqualTo(-1);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		assertThat(this.ha.control(connection).info().maxRecoveries()).isEqualTo(-1);
		for (int i = 1; i <= 3; i++) {
			LineConnections.restart(this.server);
			assertThat(connection.send("PING")).isEqualTo("PONG");
		}
		assertThat(recovery.calls()).isEqualTo(3);
		this.ha.control(connection).limitRecoveries(0);
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThat(recovery.calls()).isEqualTo(3);
		RecordingRecovery<Probe> never = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe disabled = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.recovery(never)
			.settings(FastSettings.settings().withLimits(0, -1)));
		assertThatIOException().isThrownBy(() -> disabled.call("x"));
		assertThat(never.calls()).isZero();
	}

	@Test
	@DisplayName("H18: a snapshot shows the server the connection is on now, as the attachment's peer function reads "
			+ "it from the resource in use, after a recovery too; a function that throws shows nothing")
	void snapshotShowsThePeerOfTheResourceInUse() throws Exception {
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.recovery((context) -> Probe.answering("fresh"))
			.peer((resource) -> {
				try {
					return Map.of("answers", resource.call("who"));
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}));
		assertThat(this.ha.control(connection).info().peer()).as("a dead resource's function throws").isEmpty();
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		assertThat(this.ha.control(connection).info().peer()).containsExactly(Map.entry("answers", "fresh:who"));
	}

	@Test
	@DisplayName("H15, H16: a limit below -1 is rejected with an error that names the connection")
	void limitBelowMinusOneIsRejected() {
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.answering("p"))
			.name("strict")
			.recovery((context) -> Probe.answering("fresh")));
		assertThatIllegalArgumentException().isThrownBy(() -> this.ha.control(connection).limitRecoveries(-2))
			.withMessageContaining("'strict'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.ha.control(connection).limitConsecutiveFailures(-2))
			.withMessageContaining("'strict'");
		assertThat(this.ha.control(connection).info().maxRecoveries()).isEqualTo(-1);
	}

	@Test
	@DisplayName("H16, H17: the limit of consecutive failures stops recovery, a success or a reset clears the count")
	void limitOfConsecutiveFailures() throws Exception {
		assertThat(ConnectionSettings.defaults().maxConsecutiveFailures()).isEqualTo(-1);
		AtomicBoolean succeed = new AtomicBoolean();
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (!succeed.get()) {
				throw new ConnectException("refused by the test");
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.recovery(recovery)
			.settings(FastSettings.withAttempts(1)));
		ConnectionControl control = this.ha.control(connection);
		assertThat(control.info().maxConsecutiveFailures()).isEqualTo(-1);
		control.limitConsecutiveFailures(2);
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThat(control.info().consecutiveFailures()).isOne();
		succeed.set(true);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(control.info().consecutiveFailures()).isZero();
		succeed.set(false);
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThat(control.info().consecutiveFailures()).isEqualTo(2);
		assertThat(recovery.calls()).isEqualTo(4);
		Throwable refused = catchThrowable(() -> connection.send("PING"));
		assertThat(refused.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> assertThat(reason)
				.hasMessageContaining("2 failed calls of the recovery function in a row"));
		assertThat(recovery.calls()).isEqualTo(4);
		ConnectionInfo beforeReset = control.info();
		control.resetConsecutiveFailures();
		ConnectionInfo afterReset = control.info();
		assertThat(afterReset.consecutiveFailures()).isZero();
		assertThat(afterReset.attemptsFailed()).isEqualTo(beforeReset.attemptsFailed());
		succeed.set(true);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isEqualTo(5);
	}

	@Test
	@DisplayName("H17: a suspended connection acts as a plain one and no counter moves; enabling changes nothing else")
	void suspendAndEnable() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("suspended").recovery(recovery));
		ConnectionControl control = this.ha.control(connection);
		ConnectionInfo beforeSuspend = control.info();
		control.suspend();
		ConnectionInfo suspended = control.info();
		assertThat(suspended.state()).isEqualTo(ConnectionState.SUSPENDED);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isInstanceOf(IOException.class).isSameAs(resource.lastFailure());
		assertThat(thrown.getSuppressed()).isEmpty();
		assertThat(recovery.calls()).isZero();
		assertThat(control.info()).isEqualTo(suspended);
		control.enable();
		assertThat(control.info()).isEqualTo(beforeSuspend);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isOne();
	}

	@Test
	@DisplayName("H17: enabling a connection that was suspended while failed leaves it failed")
	void enableRestoresTheStateBeforeSuspend() throws Exception {
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.recovery((context) -> null)
			.settings(FastSettings.withAttempts(1)));
		assertThatIOException().isThrownBy(() -> connection.call("x"));
		ConnectionControl control = this.ha.control(connection);
		ConnectionInfo failed = control.info();
		assertThat(failed.state()).isEqualTo(ConnectionState.FAILED);
		control.suspend().enable();
		assertThat(control.info()).isEqualTo(failed);
	}

	@Test
	@DisplayName("H17: resetting the recoveries sets both counters to zero and lifts a reached limit")
	void resetRecoveriesLiftsTheLimit() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		ConnectionControl control = this.ha.control(connection).limitRecoveries(1);
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThat(control.info().attempts()).isOne();
		control.resetRecoveries();
		ConnectionInfo reset = control.info();
		assertThat(reset.recoveriesSucceeded()).isZero();
		assertThat(reset.recoveriesFailed()).isZero();
		assertThat(reset.retransmissions()).isOne();
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isEqualTo(2);
		assertThat(control.info().recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H18: the record keeps succeeded and failed recoveries, retransmissions, the last failure and the last recovery")
	void countersAndLastFailureAndLastRecovery() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (context.attempt() == 1) {
				throw new ConnectException("not yet");
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("counted").recovery(recovery));
		ConnectionInfo fresh = this.ha.control(connection).info();
		assertThat(fresh.name()).isEqualTo("counted");
		assertThat(fresh.type()).isEqualTo(LineClient.class);
		assertThat(fresh.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(fresh.references()).isOne();
		assertThat(fresh.recoveries()).isZero();
		assertThat(fresh.retransmissions()).isZero();
		assertThat(fresh.lastFailure()).isNull();
		assertThat(fresh.lastRecovery()).isNull();
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		ConnectionInfo info = this.ha.find("counted").orElseThrow();
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.recoveries()).isOne();
		assertThat(info.attempts()).isEqualTo(2);
		assertThat(info.attemptsFailed()).isOne();
		assertThat(info.consecutiveFailures()).isZero();
		assertThat(info.retransmissions()).isOne();
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		Exception stale = resource.lastFailure();
		assertThat(info.lastFailure()).isNotNull();
		assertThat(info.lastFailure().type()).isEqualTo(stale.getClass().getName());
		assertThat(info.lastFailure().message()).isEqualTo(stale.getMessage());
		assertThat(info.lastFailure().time()).isNotNull();
		assertThat(info.lastRecovery()).isNotNull();
		assertThat(info.lastRecovery().time()).isNotNull();
		assertThat(info.lastRecovery().duration()).isNotNull().isGreaterThanOrEqualTo(Duration.ZERO);
		assertThat(info.lastRecovery().time()).isAfterOrEqualTo(info.lastFailure().time());
	}

	@Test
	@DisplayName("H18: the state goes ATTACHED, RECOVERING, FAILED, ATTACHED, SUSPENDED, DETACHED and CLOSED")
	void stateTransitions() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean giveUp = new AtomicBoolean(true);
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			release.await();
			return giveUp.get() ? null : Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("states")
			.recovery(recovery)
			.settings(FastSettings.withAttempts(1)));
		ConnectionControl control = this.ha.control(connection);
		assertThat(control.info().state()).isEqualTo(ConnectionState.ATTACHED);
		Future<Throwable> failing = this.executor.submit(() -> catchThrowable(() -> connection.call("x")));
		await().until(() -> recovery.calls() == 1);
		assertThat(control.info().state()).isEqualTo(ConnectionState.RECOVERING);
		assertThat(this.ha.connections()).singleElement()
			.satisfies((info) -> assertThat(info.state()).isEqualTo(ConnectionState.RECOVERING));
		release.countDown();
		assertThat(failing.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
		assertThat(control.info().state()).isEqualTo(ConnectionState.FAILED);
		giveUp.set(false);
		assertThat(connection.call("y")).isEqualTo("fresh:y");
		assertThat(control.info().state()).isEqualTo(ConnectionState.ATTACHED);
		control.suspend();
		assertThat(control.info().state()).isEqualTo(ConnectionState.SUSPENDED);
		control.enable();
		this.ha.detach(connection);
		assertThat(control.info().state()).isEqualTo(ConnectionState.DETACHED);
		assertThat(this.ha.find("states"))
			.hasValueSatisfying((info) -> assertThat(info.state()).isEqualTo(ConnectionState.DETACHED));
		this.ha.close(connection);
		assertThat(control.info().state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(this.ha.find("states")).isEmpty();
		assertThat(this.ha.connections()).isEmpty();
	}

	@Test
	@DisplayName("H18: the table lists every open connection by name, and a control can be found by name")
	void connectionsAreListedByName() throws Exception {
		Probe second = this.ha.attach(Attachment.of(Probe.class, Probe.answering("b"))
			.name("b-second")
			.recovery((context) -> Probe.answering("fresh")));
		this.ha.attach(Attachment.of(Probe.class, Probe.answering("a"))
			.name("a-first")
			.recovery((context) -> Probe.answering("fresh")));
		this.ha.duplicate(second);
		assertThat(this.ha.connections()).extracting(ConnectionInfo::name).containsExactly("a-first", "b-second");
		assertThat(this.ha.connections()).extracting(ConnectionInfo::references).containsExactly(1, 2);
		this.ha.control("b-second").suspend();
		assertThat(this.ha.control(second).info().state()).isEqualTo(ConnectionState.SUSPENDED);
		assertThatIllegalArgumentException().isThrownBy(() -> this.ha.control("c-third"))
			.withMessageContaining("'c-third'")
			.withMessageContaining("a-first");
	}

}
