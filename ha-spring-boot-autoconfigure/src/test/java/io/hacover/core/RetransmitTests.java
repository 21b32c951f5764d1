package io.hacover.core;

import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tests of re-issuing a failed operation after a recovery: again after a retransmission
 * that fails stale, bounded, and as the retransmit policy allows (H13, H14).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RetransmitTests {

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
	@DisplayName("H13: a retransmission that fails stale again starts a new recovery")
	void retransmissionThatFailsStaleAgainStartsANewRecovery() throws Exception {
		AtomicInteger recoveries = new AtomicInteger();
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			SocketLineClient fresh = LineConnections.connect(this.server);
			if (recoveries.incrementAndGet() == 1) {
				// the server dies again before the call is re-issued on the fresh
				// connection
				LineConnections.restart(this.server);
			}
			return fresh;
		});
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		LineConnections.restart(this.server);
		assertThat(connection.send("ECHO at last")).isEqualTo("at last");
		assertThat(recovery.calls()).isEqualTo(2);
		assertThat(recovery.lastCall().failedResource()).isSameAs(recovery.results().get(0));
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesSucceeded()).isEqualTo(2);
		assertThat(info.retransmissions()).isEqualTo(2);
	}

	@Test
	@DisplayName("H13: when every retransmission fails stale, the call ends after maxRetransmissions re-issues")
	void retransmissionsAreBounded() throws Exception {
		List<IOException> thrown = new CopyOnWriteArrayList<>();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> failingInto(thrown));
		Probe connection = this.ha.attach(Attachment.of(Probe.class, failingInto(thrown))
			.name("bounded")
			.recovery(recovery)
			.settings(FastSettings.settings().withMaxRetransmissions(3)));
		Throwable error = catchThrowable(() -> connection.call("x"));
		assertThat(thrown).hasSize(4);
		assertThat(error).isSameAs(thrown.get(3));
		assertThat(error.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason).hasMessageContaining("re-issued 3 times"));
		assertThat(recovery.calls()).isBetween(3, 4);
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.retransmissions()).isEqualTo(3);
		assertThat(info.recoveriesSucceeded()).isEqualTo(recovery.calls());
	}

	@Test
	@DisplayName("H13, H15: re-issues that keep failing stop at the limit of recoveries")
	void retransmissionsStopAtTheLimitOfRecoveries() throws Exception {
		List<IOException> thrown = new CopyOnWriteArrayList<>();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> failingInto(thrown));
		Probe connection = this.ha.attach(Attachment.of(Probe.class, failingInto(thrown))
			.recovery(recovery)
			.settings(FastSettings.settings().withMaxRetransmissions(10).withLimits(2, -1)));
		Throwable error = catchThrowable(() -> connection.call("x"));
		assertThat(recovery.calls()).isEqualTo(2);
		assertThat(thrown).hasSize(3);
		assertThat(error).isSameAs(thrown.get(2));
		assertThat(error.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class,
					(reason) -> assertThat(reason).hasMessageContaining("limit of 2 calls of the recovery function"));
	}

	@Test
	@DisplayName("H8, H13: with no re-issue allowed, a stale error still recovers the connection for the next call")
	void staleErrorRecoversEvenWhenNoReissueIsAllowed() throws Exception {
		IOException stale = new SocketException("reset");
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe connection = this.ha.attach(Attachment.of(Probe.class, (argument) -> {
			throw stale;
		}).recovery(recovery).settings(FastSettings.settings().withMaxRetransmissions(0)));
		assertThat(catchThrowable(() -> connection.call("first"))).isSameAs(stale);
		assertThat(recovery.calls()).isOne();
		assertThat(connection.call("second")).isEqualTo("fresh:second");
		assertThat(recovery.calls()).isOne();
	}

	@Test
	@DisplayName("H14: the default retransmit policy for the application's own clients is ALWAYS")
	void defaultPolicyIsAlways() throws Exception {
		assertThat(ConnectionSettings.defaults().retransmit()).isEqualTo(RetransmitPolicy.ALWAYS);
		HaConnections table = HaConnections.create();
		RecordingRecovery<Counter> recovery = RecordingRecovery.of((context) -> counter());
		Counter connection = table.attach(Counter.class, counter(), recovery);
		LineConnections.restart(this.server);
		assertThat(connection.increment()).isEqualTo("1");
		assertThat(table.control(connection).info().retransmissions()).isOne();
	}

	@Test
	@DisplayName("H14: ALWAYS re-issues an operation that is not idempotent")
	void alwaysReissuesEveryOperation() throws Exception {
		Counter connection = attachCounter(RetransmitPolicy.ALWAYS);
		assertThat(connection.increment()).isEqualTo("1");
		LineConnections.restart(this.server);
		assertThat(connection.increment()).isEqualTo("2");
		assertThat(this.ha.control(connection).info().retransmissions()).isOne();
	}

	@Test
	@DisplayName("H14: SAFE recovers, then throws OutcomeUnknownException for an operation that is not idempotent")
	void safeDoesNotReissueAnOperationThatIsNotIdempotent() throws Exception {
		SocketCounter resource = counter();
		RecordingRecovery<Counter> recovery = RecordingRecovery.of((context) -> counter());
		Counter connection = this.ha.attach(Attachment.of(Counter.class, resource)
			.name("safe")
			.recovery(recovery)
			.settings(FastSettings.settings().withRetransmit(RetransmitPolicy.SAFE)));
		assertThat(connection.ping()).isEqualTo("PONG");
		LineConnections.restart(this.server);
		OutcomeUnknownException unknown = catchThrowableOfType(OutcomeUnknownException.class, connection::increment);
		assertThat(unknown).isNotNull();
		assertThat(unknown.getCause()).isSameAs(resource.lastFailure());
		assertThat(unknown.getConnection()).isEqualTo("safe");
		assertThat(unknown).hasMessageContaining("increment");
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.retransmissions()).isZero();
		assertThat(connection.increment()).isEqualTo("1");
		assertThat(recovery.calls()).isOne();
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
	}

	@Test
	@DisplayName("H14: SAFE re-issues an @Idempotent operation")
	void safeReissuesAnIdempotentOperation() throws Exception {
		Counter connection = attachCounter(RetransmitPolicy.SAFE);
		LineConnections.restart(this.server);
		assertThat(connection.ping()).isEqualTo("PONG");
		assertThat(this.ha.control(connection).info().retransmissions()).isOne();
	}

	@Test
	@DisplayName("H14: NEVER recovers, then throws OutcomeUnknownException whose cause is the stale error")
	void neverRecoversButDoesNotReissue() throws Exception {
		SocketCounter resource = counter();
		RecordingRecovery<Counter> recovery = RecordingRecovery.of((context) -> counter());
		Counter connection = this.ha.attach(Attachment.of(Counter.class, resource)
			.recovery(recovery)
			.settings(FastSettings.settings().withRetransmit(RetransmitPolicy.NEVER)));
		LineConnections.restart(this.server);
		OutcomeUnknownException unknown = catchThrowableOfType(OutcomeUnknownException.class, connection::increment);
		assertThat(unknown).isNotNull();
		assertThat(unknown.getCause()).isSameAs(resource.lastFailure());
		assertThat(this.ha.control(connection).info().retransmissions()).isZero();
		assertThat(connection.increment()).isEqualTo("1");
		assertThat(recovery.calls()).isOne();
	}

	@Test
	@DisplayName("H14: NEVER still re-issues an @Idempotent operation")
	void neverStillReissuesAnIdempotentOperation() throws Exception {
		Counter connection = attachCounter(RetransmitPolicy.NEVER);
		LineConnections.restart(this.server);
		assertThat(connection.ping()).isEqualTo("PONG");
		assertThat(this.ha.control(connection).info().retransmissions()).isOne();
	}

	private Counter attachCounter(RetransmitPolicy policy) throws IOException {
		return this.ha.attach(Attachment.of(Counter.class, counter())
			.recovery((context) -> counter())
			.settings(FastSettings.settings().withRetransmit(policy)));
	}

	private SocketCounter counter() throws IOException {
		return new SocketCounter(LineConnections.connect(this.server));
	}

	private static Probe failingInto(List<IOException> thrown) {
		return new Probe() {

			@Override
			public String call(String argument) throws IOException {
				IOException stale = new SocketException("reset, failure " + (thrown.size() + 1));
				thrown.add(stale);
				throw stale;
			}

		};
	}

	/**
	 * A client of the {@link LineServer}'s counter, with a method that is safe to
	 * re-issue and one that is not.
	 */
	interface Counter {

		@Idempotent
		String ping() throws IOException;

		String increment() throws IOException;

	}

	/**
	 * A {@link Counter} over one socket that remembers the last exception it threw.
	 */
	static final class SocketCounter implements Counter {

		private final CapturingLineClient client;

		SocketCounter(SocketLineClient client) {
			this.client = new CapturingLineClient(client);
		}

		@Override
		public String ping() throws IOException {
			return this.client.send("PING");
		}

		@Override
		public String increment() throws IOException {
			return this.client.send("INCR");
		}

		Exception lastFailure() {
			return this.client.lastFailure();
		}

	}

}
