package io.hacover.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Faults injected by {@link ConnectionControl#injectFailures(int)} and
 * {@link ConnectionControl#injectOutage()}: the connection's own recovery function runs
 * against the real server, told the real failed resource (H9, H10), one recovery per cut
 * (H19, H36), and an outage ends at the budget with the original error (H11, H12).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InjectedFaultTests {

	private static final Duration BUDGET = Duration.ofMillis(500);

	private final HaConnections ha = HaConnections.create(ConnectionSettings.defaults()
		.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(10), 2.0, Duration.ofMillis(50), 1000, BUDGET,
				Duration.ZERO)),
			StaleConnectionClassifier.defaults());

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
	@DisplayName("H9, H10, H36: three injected failures give three recoveries, each told the real resource it replaces")
	void injectedFailuresRunTheRecoveryFunctionOnTheRealFailedResource() throws Exception {
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of(this::reconnect);
		LineClient connection = attach(recovery);
		InjectedFault fault = this.ha.control(connection).injectFailures(3);
		assertThat(fault.resource()).isInstanceOf(SocketLineClient.class);
		assertThat(connection.send("ECHO once")).isEqualTo("once");
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesSucceeded()).isEqualTo(3);
		assertThat(info.attempts()).isEqualTo(3);
		assertThat(info.retransmissions()).isEqualTo(3);
		List<LineClient> failed = recovery.recordedCalls()
			.stream()
			.map(RecordingRecovery.Call::failedResource)
			.toList();
		assertThat(failed).hasSize(3)
			.allSatisfy((resource) -> assertThat(resource).isInstanceOf(SocketLineClient.class));
		assertThat(failed.get(0)).isSameAs(fault.resource());
		assertThat(failed).doesNotHaveDuplicates();
		assertThat(recovery.recordedCalls())
			.allSatisfy((call) -> assertThat(call.cause()).isInstanceOf(StaleConnectionException.class)
				.hasMessageContaining("injected failure"));
		assertThat(connection.send("ECHO again")).isEqualTo("again");
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isEqualTo(3);
		await().untilAsserted(() -> assertThat(this.server.openConnections()).isOne());
	}

	@Test
	@DisplayName("H8, H9: the cut resource is alive: the recovery function finds it answering, its server is fine")
	void theCutResourceStillAnswers() throws Exception {
		List<String> answers = new ArrayList<>();
		LineClient connection = attach((context) -> {
			answers.add(context.failedResource().send("PING"));
			return reconnect(context);
		});
		this.ha.control(connection).injectFailures(1);
		assertThat(connection.send("ECHO x")).isEqualTo("x");
		assertThat(answers).containsExactly("PONG");
	}

	@Test
	@DisplayName("H19: 32 callers on one injected failure share one recovery and all succeed")
	void concurrentCallersShareOneRecovery() throws Exception {
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of(this::reconnect);
		LineClient connection = attach(recovery);
		this.ha.control(connection).injectFailures(1);
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService threads = Executors.newFixedThreadPool(32);
		try {
			List<CompletableFuture<String>> calls = new ArrayList<>();
			for (int i = 0; i < 32; i++) {
				String text = "caller-" + i;
				calls.add(CompletableFuture.supplyAsync(() -> {
					try {
						start.await();
						return connection.send("ECHO " + text);
					}
					catch (IOException ex) {
						throw new UncheckedIOException(ex);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						throw new IllegalStateException(ex);
					}
				}, threads));
			}
			start.countDown();
			for (int i = 0; i < 32; i++) {
				assertThat(calls.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("caller-" + i);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(recovery.calls()).isOne();
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H11, H12, H28, H36: during an injected outage the attempts fail without calling the function, "
			+ "the call ends within the budget with the original error; once ended, the function recovers")
	void outageFailsTheAttemptsUntilItEnds() throws Exception {
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of(this::reconnect);
		LineClient connection = attach(recovery);
		InjectedFault outage = this.ha.control(connection).injectOutage();
		long started = System.nanoTime();
		Throwable thrown = catchThrowable(() -> connection.send("ECHO down"));
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		assertThat(took).isLessThanOrEqualTo(BUDGET.plus(BudgetWatch.GRACE));
		assertThat(thrown).isInstanceOf(StaleConnectionException.class).hasMessageContaining("injected failure");
		assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(RecoveryFailedException.class);
		assertThat(recovery.calls()).isZero();
		ConnectionInfo failed = this.ha.control(connection).info();
		assertThat(failed.recoveriesFailed()).isOne();
		assertThat(failed.attemptsFailed()).isGreaterThan(1).isEqualTo(failed.attempts());
		assertThat(failed.state()).isEqualTo(ConnectionState.FAILED);
		outage.end();
		assertThat(connection.send("ECHO up")).isEqualTo("up");
		assertThat(recovery.calls()).isOne();
		assertThat(recovery.lastCall().failedResource()).isSameAs(outage.resource());
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H8: without an injected fault, calls go to the resource and nothing is counted; "
			+ "after a spent fault, likewise")
	void nothingInjectedChangesNothing() throws Exception {
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of(this::reconnect);
		LineClient connection = attach(recovery);
		for (int i = 0; i < 100; i++) {
			assertThat(connection.send("ECHO " + i)).isEqualTo(String.valueOf(i));
		}
		assertThat(recovery.calls()).isZero();
		assertThat(this.ha.control(connection).info().attempts()).isZero();
		this.ha.control(connection).injectFailures(1);
		connection.send("PING");
		for (int i = 0; i < 100; i++) {
			assertThat(connection.send("ECHO " + i)).isEqualTo(String.valueOf(i));
		}
		assertThat(recovery.calls()).isOne();
		assertThat(this.server.requests()).isEqualTo(201);
		assertThat(ConnectionProxy.of(connection).record.current().resource()).isInstanceOf(SocketLineClient.class);
	}

	@Test
	@DisplayName("H8: no fault on a connection whose classifier would not take the injected error for stale; "
			+ "one fault at a time, and another once it ended")
	void injectionIsRefusedWhenItCouldNotWork() throws Exception {
		LineClient connection = attach(this::reconnect);
		InjectedFault outage = this.ha.control(connection).injectOutage();
		assertThatIllegalStateException().isThrownBy(() -> this.ha.control(connection).injectFailures(1))
			.withMessageContaining("has a fault injected already");
		outage.end();
		InjectedFault next = this.ha.control(connection).injectFailures(1);
		assertThat(next.resource()).isSameAs(outage.resource());
		assertThat(connection.send("ECHO next")).isEqualTo("next");
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isOne();
		LineClient other = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("narrow")
			.recovery(this::reconnect)
			.classifier((error) -> error instanceof java.net.SocketException));
		assertThatIllegalStateException().isThrownBy(() -> this.ha.control(other).injectOutage())
			.withMessageContaining("connection 'narrow'")
			.withMessageContaining(StaleConnectionException.class.getName());
		assertThat(other.send("ECHO plain")).isEqualTo("plain");
	}

	@Test
	@DisplayName("H8, H11: on a method that declares no IOException, the injected error arrives undeclared, is "
			+ "stale all the same, and the caller of a given-up recovery gets it with the reason")
	void methodWithoutIOExceptionGetsTheInjectedErrorUndeclared() {
		Greeter connection = this.ha
			.attach(Attachment.of(Greeter.class, () -> "first").name("greeter").recovery((context) -> () -> "second"));
		this.ha.control(connection).injectFailures(1);
		assertThat(connection.greet()).isEqualTo("second");
		InjectedFault outage = this.ha.control(connection).injectOutage();
		Throwable thrown = catchThrowable(connection::greet);
		assertThat(thrown).isInstanceOf(UndeclaredThrowableException.class)
			.cause()
			.isInstanceOf(StaleConnectionException.class);
		assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(RecoveryFailedException.class);
		outage.end();
		assertThat(connection.greet()).isEqualTo("second");
	}

	private LineClient attach(RecoveryFunction<LineClient> recovery) throws IOException {
		return this.ha.attach(
				Attachment.of(LineClient.class, LineConnections.connect(this.server)).name("line").recovery(recovery));
	}

	private LineClient reconnect(RecoveryContext<LineClient> context) throws IOException {
		context.failedResource().close();
		return LineConnections.connect(this.server);
	}

	/**
	 * A resource whose method declares no checked exception.
	 */
	interface Greeter {

		String greet();

	}

}
