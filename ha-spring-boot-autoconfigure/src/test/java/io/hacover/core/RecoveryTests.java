package io.hacover.core;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests of one recovery: which errors start it, what the recovery function is told, what
 * happens when it succeeds, gives up or fails, and how its attempts are spaced (H8 to
 * H12).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RecoveryTests {

	private final HaConnections ha = FastSettings.table();

	private LineServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H8: a stale error from a dead server starts a recovery and the caller sees only the result")
	void staleErrorFromADeadServerStartsARecovery() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		assertThat(connection.send("INCR")).isEqualTo("1");
		LineConnections.restart(this.server);
		assertThat(connection.send("INCR")).isEqualTo("2");
		assertThat(recovery.calls()).isOne();
		assertThat(recovery.lastCall().cause()).isInstanceOf(IOException.class);
	}

	@Test
	@DisplayName("H8: an ordinary error reaches the caller as the same object, without a recovery")
	void ordinaryErrorReachesTheCallerUnchanged() throws Exception {
		IllegalStateException ordinary = new IllegalStateException("no such order");
		IOException notStale = new IOException("disk full");
		AtomicInteger calls = new AtomicInteger();
		Probe resource = (argument) -> {
			if (calls.incrementAndGet() == 1) {
				throw ordinary;
			}
			throw notStale;
		};
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe connection = this.ha.attach(Probe.class, resource, recovery);
		Throwable first = catchThrowable(() -> connection.call("x"));
		Throwable second = catchThrowable(() -> connection.call("y"));
		assertThat(first).isSameAs(ordinary);
		assertThat(second).isSameAs(notStale);
		assertThat(ordinary.getSuppressed()).isEmpty();
		assertThat(notStale.getSuppressed()).isEmpty();
		assertThat(recovery.calls()).isZero();
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveries()).isZero();
		assertThat(info.lastFailure()).isNull();
	}

	@Test
	@DisplayName("H8: an error reply of a live server reaches the caller unchanged and the connection stays usable")
	void errorReplyOfALiveServerIsNotStale() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		assertThatIllegalArgumentException().isThrownBy(() -> connection.send("FROB"))
			.withMessage("ERR unknown command");
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isZero();
		assertThat(this.server.connectionsAccepted()).isOne();
	}

	@Test
	@DisplayName("H8: a stale error anywhere in the cause chain starts a recovery")
	void staleErrorInTheCauseChainStartsARecovery() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		Probe resource = (argument) -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("wrapped", new UncheckedIOException(new EOFException("peer closed")));
			}
			throw new RuntimeException(new SocketTimeoutException("read timed out"));
		};
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe connection = this.ha.attach(Probe.class, resource, recovery);
		assertThat(connection.call("first")).isEqualTo("fresh:first");
		assertThat(recovery.calls()).isOne();
		assertThat(recovery.lastCall().cause()).hasRootCauseInstanceOf(EOFException.class);
	}

	@Test
	@DisplayName("H8: a classifier given at attach time decides which errors are stale")
	void classifierOfTheAttachmentDecidesWhatIsStale() throws Exception {
		IllegalStateException gone = new IllegalStateException("session gone");
		Probe resource = (argument) -> {
			throw gone;
		};
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe connection = this.ha.attach(Attachment.of(Probe.class, resource)
			.recovery(recovery)
			.classifier((error) -> error.getMessage().contains("gone")));
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		assertThat(recovery.lastCall().cause()).isSameAs(gone);
	}

	@Test
	@DisplayName("H9: the recovery function gets the failed resource, the handle, the cause, the name and attempts 1, 2, 3")
	void recoveryFunctionGetsFailedResourceHandleCauseNameAndAttempt() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		Object handle = new Object();
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (context.attempt() < 3) {
				throw new ConnectException("not yet");
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("context").recovery(recovery).handle(handle));
		LineConnections.restart(this.server);
		assertThat(connection.send("ECHO back")).isEqualTo("back");
		assertThat(recovery.recordedCalls()).extracting(RecordingRecovery.Call::attempt).containsExactly(1, 2, 3);
		assertThat(recovery.recordedCalls()).allSatisfy((call) -> {
			assertThat(call.name()).isEqualTo("context");
			assertThat(call.type()).isEqualTo(LineClient.class);
			assertThat(call.failedResource()).isSameAs(resource);
			assertThat(call.handle()).isSameAs(handle);
			assertThat(call.cause()).isSameAs(resource.lastFailure());
		});
	}

	@Test
	@DisplayName("H10: after recovery every duplicate uses the new resource, and the failed call is re-issued with its arguments")
	void recoveredResourceServesEveryDuplicateAndTheFailedCallIsReissued() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		LineClient duplicate = this.ha.duplicate(connection);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		long requestsBefore = this.server.requests();
		assertThat(connection.send("ECHO the same words")).isEqualTo("the same words");
		assertThat(this.server.requests()).isEqualTo(requestsBefore + 1);
		assertThat(duplicate.send("ECHO from the duplicate")).isEqualTo("from the duplicate");
		assertThat(recovery.calls()).isOne();
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
		LineConnections.restart(this.server);
		assertThat(duplicate.send("ECHO again")).isEqualTo("again");
		assertThat(recovery.calls()).isEqualTo(2);
		assertThat(recovery.lastCall().failedResource()).isSameAs(recovery.results().get(0));
	}

	@Test
	@DisplayName("H11: when the recovery function returns null, the caller gets the original stale error with the reason suppressed")
	void recoveryReturningNullGivesUpAtOnce() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> null);
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("null").recovery(recovery));
		LineConnections.restart(this.server);
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isSameAs(resource.lastFailure());
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason.getConnection()).isEqualTo("null");
				assertThat(reason.getAttempts()).isOne();
				assertThat(reason).hasMessageContaining("returned null").hasNoCause();
			});
		assertThat(recovery.calls()).isOne();
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesFailed()).isOne();
		assertThat(info.state()).isEqualTo(ConnectionState.FAILED);
	}

	@Test
	@DisplayName("H11, H12: when the server never comes back, the recovery is tried maxAttempts times and the caller gets the original stale error")
	void serverThatNeverComesBackExhaustsTheAttempts() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("never")
			.recovery(recovery)
			.settings(ConnectionSettings.defaults()
				.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(10), 2.0, Duration.ofMillis(50), 5,
						Duration.ofSeconds(5), Duration.ZERO))));
		this.server.kill();
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isInstanceOf(IOException.class).isSameAs(resource.lastFailure());
		assertThat(recovery.calls()).isEqualTo(5);
		assertThat(recovery.failures()).hasSize(5)
			.allSatisfy((failure) -> assertThat(failure).isInstanceOf(ConnectException.class));
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason.getConnection()).isEqualTo("never");
				assertThat(reason.getAttempts()).isEqualTo(5);
				assertThat(reason.getCause()).isSameAs(recovery.lastFailure());
			});
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.attemptsFailed()).isEqualTo(5);
		assertThat(info.recoveriesFailed()).isOne();
		assertThat(info.consecutiveFailures()).isEqualTo(5);
		assertThat(info.recoveriesSucceeded()).isZero();
		assertThat(info.state()).isEqualTo(ConnectionState.FAILED);
	}

	@Test
	@DisplayName("H11: a recovery function that throws once and then returns null gives up at once")
	void recoveryReturningNullAfterAFailedAttemptGivesUpAtOnce() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (context.attempt() == 1) {
				throw new ConnectException("not yet");
			}
			if (context.attempt() == 2) {
				return null;
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("give-up").recovery(recovery));
		LineConnections.restart(this.server);
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isSameAs(resource.lastFailure());
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason).hasMessageContaining("returned null"));
		assertThat(recovery.calls()).isEqualTo(2);
	}

	@Test
	@DisplayName("H12: the first attempt runs at once and the policy is asked for a wait after each failed attempt")
	void attemptsAreSpacedByThePolicy() throws Exception {
		List<String> log = new CopyOnWriteArrayList<>();
		BackOff backOff = () -> () -> {
			log.add("back-off");
			return 1;
		};
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			log.add("attempt " + context.attempt());
			if (context.attempt() < 3) {
				throw new ConnectException("not yet");
			}
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.recovery(recovery)
			.settings(ConnectionSettings.defaults().withPolicy(RecoveryPolicy.of(backOff, Duration.ofSeconds(10)))));
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		assertThat(log).containsExactly("attempt 1", "back-off", "attempt 2", "back-off", "attempt 3");
	}

	@Test
	@DisplayName("H12: each connection follows its own policy, and the table's default applies to the others")
	void policyIsSetPerConnection() throws Exception {
		HaConnections table = HaConnections.create(FastSettings.withAttempts(2), StaleConnectionClassifier.defaults());
		RecordingRecovery<Probe> byDefault = RecordingRecovery.of((context) -> {
			throw new ConnectException("down");
		});
		RecordingRecovery<Probe> ownPolicy = RecordingRecovery.of((context) -> {
			throw new ConnectException("down");
		});
		Probe first = table.attach(Probe.class, Probe.dead(), byDefault);
		Probe second = table.attach(
				Attachment.of(Probe.class, Probe.dead()).recovery(ownPolicy).settings(FastSettings.withAttempts(4)));
		assertThat(catchThrowable(() -> first.call("x")).getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason.getAttempts()).isEqualTo(2));
		assertThat(catchThrowable(() -> second.call("x")).getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason.getAttempts()).isEqualTo(4));
		assertThat(byDefault.calls()).isEqualTo(2);
		assertThat(ownPolicy.calls()).isEqualTo(4);
	}

	@Test
	@DisplayName("H11, H12: when the budget runs out before the attempts do, the caller gets the original stale error")
	void budgetThatRunsOutFirstEndsTheRecovery() throws Exception {
		long[] waits = { 1, 1, Duration.ofHours(1).toMillis() };
		AtomicInteger asked = new AtomicInteger();
		BackOff backOff = () -> () -> waits[Math.min(asked.getAndIncrement(), waits.length - 1)];
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			throw new ConnectException("down");
		});
		IOException stale = new EOFException("peer closed");
		Probe connection = this.ha.attach(Attachment.of(Probe.class, (argument) -> {
			throw stale;
		})
			.recovery(recovery)
			.settings(ConnectionSettings.defaults().withPolicy(RecoveryPolicy.of(backOff, Duration.ofSeconds(10)))));
		Throwable thrown = catchThrowable(() -> connection.call("x"));
		assertThat(thrown).isSameAs(stale);
		assertThat(recovery.calls()).isEqualTo(3);
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason).hasMessageContaining("budget");
				assertThat(reason.getAttempts()).isEqualTo(3);
				assertThat(reason.getCause()).isSameAs(recovery.lastFailure());
			});
	}

	@Test
	@DisplayName("H12: an exponential policy with a small budget gives up on a dead server before its maximum attempts")
	void exponentialPolicyWithASmallBudgetGivesUpBeforeItsMaximumAttempts() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.recovery(recovery)
			.settings(ConnectionSettings.defaults()
				.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(10), 2.0, Duration.ofMillis(50), 1000,
						Duration.ofMillis(200), Duration.ZERO))));
		this.server.kill();
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isSameAs(resource.lastFailure());
		assertThat(recovery.calls()).isPositive().isLessThan(1000);
		assertThat(thrown.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason).hasMessageContaining("budget of 200 ms");
				assertThat(reason.getAttempts()).isEqualTo(recovery.calls());
			});
	}

}
