package io.hacover.core;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests of recoveries under concurrency: single flight, operations that overlap a
 * recovery, recoveries inside recoveries, control operations during a recovery,
 * interruption, and no monitor held while calling out (H19 to H24).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConcurrencyTests {

	private static final int THREADS = 16;

	private static final ThreadMXBean THREAD_MX_BEAN = ManagementFactory.getThreadMXBean();

	private final List<Thread> threads = new ArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool(recordingThreads());

	private final HaConnections ha = FastSettings.table();

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
	@DisplayName("H19: sixteen threads hitting one dead connection cause one call of the recovery function, and every call succeeds")
	void threadsOnADeadConnectionShareOneRecovery() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		CountDownLatch release = new CountDownLatch(1);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			release.await();
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha.attach(LineClient.class, resource, recovery);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		this.server.kill();
		List<Future<String>> replies = new ArrayList<>();
		for (int i = 0; i < THREADS; i++) {
			String text = "caller " + i;
			replies.add(this.executor.submit(() -> connection.send("ECHO " + text)));
		}
		await().until(() -> resource.failures().size() == THREADS);
		this.server.restart();
		release.countDown();
		for (int i = 0; i < THREADS; i++) {
			assertThat(replies.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("caller " + i);
		}
		assertThat(recovery.calls()).isOne();
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.retransmissions()).isEqualTo(THREADS);
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
	}

	@Test
	@DisplayName("H19: threads that wait for a recovery that gives up share its outcome without calling the function again")
	void threadsWaitingForARecoveryThatGivesUpShareItsOutcome() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		CountDownLatch release = new CountDownLatch(1);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (context.attempt() == 1) {
				release.await();
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha.attach(
				Attachment.of(LineClient.class, resource).recovery(recovery).settings(FastSettings.withAttempts(3)));
		this.server.kill();
		List<Future<Throwable>> errors = new ArrayList<>();
		for (int i = 0; i < THREADS; i++) {
			errors.add(this.executor.submit(() -> catchThrowable(() -> connection.send("PING"))));
		}
		await().until(() -> recovery.calls() == 1);
		Thread recovering = recovery.lastCall().thread();
		await().until(() -> threadsWaitingFor(recovering) == THREADS - 1);
		release.countDown();
		for (Future<Throwable> error : errors) {
			assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
				.satisfies((thrown) -> assertThat(thrown.getSuppressed()).singleElement()
					.isInstanceOf(RecoveryFailedException.class));
		}
		assertThat(resource.failures()).hasSize(THREADS);
		assertThat(recovery.calls()).isEqualTo(3);
		assertThat(this.ha.control(connection).info().attemptsFailed()).isEqualTo(3);
		assertThat(this.ha.control(connection).info().recoveriesFailed()).isOne();
	}

	@Test
	@DisplayName("H20: a call that started before a recovery finished and fails on the old resource is re-issued on the new one without another recovery")
	void callThatFailsOnTheReplacedResourceIsReissuedWithoutAnotherRecovery() throws Exception {
		CountDownLatch slowCallEntered = new CountDownLatch(1);
		CountDownLatch releaseSlowCall = new CountDownLatch(1);
		Probe old = (argument) -> {
			if (argument.equals("slow")) {
				slowCallEntered.countDown();
				awaitQuietly(releaseSlowCall);
			}
			throw new SocketException("reset while sending " + argument);
		};
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> Probe.answering("fresh"));
		Probe connection = this.ha.attach(Probe.class, old, recovery);
		Future<String> slow = this.executor.submit(() -> connection.call("slow"));
		await().until(() -> slowCallEntered.getCount() == 0);
		assertThat(connection.call("fast")).isEqualTo("fresh:fast");
		assertThat(recovery.calls()).isOne();
		releaseSlowCall.countDown();
		assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("fresh:slow");
		assertThat(recovery.calls()).isOne();
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.retransmissions()).isEqualTo(2);
	}

	@Test
	@DisplayName("H21: a stale error on the connection being recovered, from inside its recovery function, fails at once")
	void staleErrorInsideTheOwnRecoveryFailsAtOnce() throws Exception {
		AtomicReference<Probe> self = new AtomicReference<>();
		AtomicReference<Throwable> inside = new AtomicReference<>();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			inside.set(catchThrowable(() -> self.get().call("inside")));
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Probe.class, Probe.dead(), recovery);
		self.set(connection);
		assertThat(connection.call("outside")).isEqualTo("fresh:outside");
		assertThat(inside.get()).isInstanceOf(SocketException.class).hasMessageContaining("inside");
		assertThat(inside.get().getSuppressed()).isEmpty();
		assertThat(recovery.calls()).isOne();
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H21: recovering another connection from inside a recovery function works")
	void recoveringAnotherConnectionInsideARecoveryWorks() throws Exception {
		RecordingRecovery<LineClient> secondaryRecovery = LineConnections.reconnecting(this.server);
		LineClient secondary = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("secondary")
			.recovery(secondaryRecovery));
		AtomicReference<String> seenInside = new AtomicReference<>();
		RecordingRecovery<LineClient> primaryRecovery = RecordingRecovery.of((context) -> {
			seenInside.set(secondary.send("ECHO from inside"));
			return LineConnections.connect(this.server);
		});
		LineClient primary = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("primary")
			.recovery(primaryRecovery));
		LineConnections.restart(this.server);
		assertThat(primary.send("ECHO outside")).isEqualTo("outside");
		assertThat(seenInside.get()).isEqualTo("from inside");
		assertThat(primaryRecovery.calls()).isOne();
		assertThat(secondaryRecovery.calls()).isOne();
		assertThat(this.ha.connections()).extracting(ConnectionInfo::state).containsOnly(ConnectionState.ATTACHED);
	}

	@Test
	@DisplayName("H22: detach, close, replace and control operations from inside the connection's own recovery fail at once")
	void controlOperationsFromInsideTheOwnRecoveryFailAtOnce() throws Exception {
		AtomicReference<Probe> self = new AtomicReference<>();
		Map<String, Throwable> errors = new ConcurrentHashMap<>();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			Probe connection = self.get();
			errors.put("detach", catchThrowable(() -> this.ha.detach(connection)));
			errors.put("close", catchThrowable(() -> this.ha.close(connection)));
			errors.put("replace",
					catchThrowable(() -> this.ha.replace(connection, (again) -> Probe.answering("other"), null)));
			errors.put("duplicate", catchThrowable(() -> this.ha.duplicate(connection)));
			errors.put("suspend", catchThrowable(() -> this.ha.control(connection).suspend()));
			errors.put("enable", catchThrowable(() -> this.ha.control(connection).enable()));
			errors.put("limitRecoveries", catchThrowable(() -> this.ha.control(connection).limitRecoveries(1)));
			errors.put("limitConsecutiveFailures",
					catchThrowable(() -> this.ha.control(connection).limitConsecutiveFailures(1)));
			errors.put("resetRecoveries", catchThrowable(() -> this.ha.control(connection).resetRecoveries()));
			errors.put("resetConsecutiveFailures",
					catchThrowable(() -> this.ha.control(connection).resetConsecutiveFailures()));
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead()).name("self").recovery(recovery));
		self.set(connection);
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		assertThat(errors).hasSize(10);
		assertThat(errors.values()).allSatisfy((error) -> assertThat(error).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("'self'")
			.hasMessageContaining("from inside its own recovery function"));
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(info.references()).isOne();
		assertThat(info.maxRecoveries()).isEqualTo(-1);
		assertThat(connection.call("y")).isEqualTo("fresh:y");
	}

	@ParameterizedTest(name = "H22: {0} from another thread waits for the recovery in progress")
	@MethodSource("controlOperations")
	void controlOperationFromAnotherThreadWaitsForTheRecovery(String name, ControlOperation operation,
			ConnectionState expected) throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			release.await();
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Probe.class, Probe.dead(), recovery);
		Future<String> call = this.executor.submit(() -> connection.call("x"));
		await().until(() -> recovery.calls() == 1);
		Thread recovering = recovery.lastCall().thread();
		AtomicBoolean done = new AtomicBoolean();
		Future<?> control = this.executor.submit(() -> {
			operation.apply(this.ha, connection);
			done.set(true);
			return null;
		});
		await().until(() -> threadsWaitingFor(recovering) == 1);
		assertThat(done).isFalse();
		assertThat(this.ha.control(connection).info().state()).isEqualTo(ConnectionState.RECOVERING);
		release.countDown();
		assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("fresh:x");
		control.get(10, TimeUnit.SECONDS);
		assertThat(done).isTrue();
		assertThat(this.ha.control(connection).info().state()).isEqualTo(expected);
		assertThat(recovery.calls()).isOne();
	}

	static Stream<Arguments> controlOperations() {
		return Stream.of(Arguments.of("detach", (ControlOperation) HaConnections::detach, ConnectionState.DETACHED),
				Arguments.of("close", (ControlOperation) HaConnections::close, ConnectionState.CLOSED),
				Arguments.of("suspend", (ControlOperation) (ha, connection) -> ha.control(connection).suspend(),
						ConnectionState.SUSPENDED),
				Arguments.of("limitRecoveries",
						(ControlOperation) (ha, connection) -> ha.control(connection).limitRecoveries(0),
						ConnectionState.ATTACHED),
				Arguments.of("replace", (ControlOperation) (ha, connection) -> ha.replace(connection,
						(context) -> Probe.answering("other"), null), ConnectionState.ATTACHED));
	}

	@Test
	@DisplayName("H23: a thread interrupted while it waits for another thread's recovery ends with its original error and its interrupt flag")
	void interruptedWaiterEndsWithItsOriginalError() throws Exception {
		Map<String, IOException> thrown = new ConcurrentHashMap<>();
		Probe old = (argument) -> {
			IOException stale = new SocketException("reset while sending " + argument);
			thrown.put(argument, stale);
			throw stale;
		};
		CountDownLatch release = new CountDownLatch(1);
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			release.await();
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Probe.class, old, recovery);
		Future<String> first = this.executor.submit(() -> connection.call("first"));
		await().until(() -> recovery.calls() == 1);
		Thread recovering = recovery.lastCall().thread();
		Outcome waiter = Outcome.start(() -> connection.call("second"));
		await().until(() -> isWaitingFor(waiter.thread, recovering));
		waiter.thread.interrupt();
		await().until(() -> !waiter.thread.isAlive());
		assertThat(waiter.error.get()).isSameAs(thrown.get("second"));
		assertThat(waiter.error.get().getSuppressed()).isEmpty();
		assertThat(waiter.interrupted).isTrue();
		ConnectionInfo whileRecovering = this.ha.control(connection).info();
		assertThat(whileRecovering.recoveriesFailed()).isZero();
		assertThat(whileRecovering.state()).isEqualTo(ConnectionState.RECOVERING);
		release.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("fresh:first");
		ConnectionInfo after = this.ha.control(connection).info();
		assertThat(after.recoveriesFailed()).isZero();
		assertThat(after.recoveriesSucceeded()).isOne();
		assertThat(recovery.calls()).isOne();
	}

	@Test
	@DisplayName("H23: a thread interrupted in back-off ends with its original error and its interrupt flag, and the wait is not counted")
	void interruptedBackOffEndsWithTheOriginalError() throws Exception {
		Map<String, IOException> thrown = new ConcurrentHashMap<>();
		Probe old = (argument) -> {
			IOException stale = new SocketException("reset while sending " + argument);
			thrown.put(argument, stale);
			throw stale;
		};
		AtomicBoolean serverUp = new AtomicBoolean();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			if (!serverUp.get()) {
				throw new ConnectException("down");
			}
			return Probe.answering("fresh");
		});
		RecoveryPolicy longWaits = RecoveryPolicy.of(new FixedBackOff(Duration.ofMinutes(1).toMillis()),
				Duration.ofMinutes(10));
		Probe connection = this.ha.attach(Attachment.of(Probe.class, old)
			.recovery(recovery)
			.settings(FastSettings.settings().withPolicy(longWaits)));
		Outcome caller = Outcome.start(() -> connection.call("first"));
		await().until(() -> recovery.calls() == 1 && caller.thread.getState() == Thread.State.TIMED_WAITING);
		ConnectionInfo inBackOff = this.ha.control(connection).info();
		assertThat(inBackOff.state()).isEqualTo(ConnectionState.RECOVERING);
		caller.thread.interrupt();
		await().until(() -> !caller.thread.isAlive());
		assertThat(caller.error.get()).isSameAs(thrown.get("first"));
		assertThat(caller.interrupted).isTrue();
		assertThat(recovery.calls()).isOne();
		ConnectionInfo after = this.ha.control(connection).info();
		assertThat(after.recoveriesFailed()).isEqualTo(inBackOff.recoveriesFailed());
		assertThat(after.consecutiveFailures()).isEqualTo(inBackOff.consecutiveFailures());
		assertThat(after.state()).isNotEqualTo(ConnectionState.RECOVERING).isNotEqualTo(ConnectionState.FAILED);
		serverUp.set(true);
		assertThat(connection.call("second")).isEqualTo("fresh:second");
	}

	@Test
	@DisplayName("H24: the engine's sources and methods hold no monitor (no synchronized)")
	void engineUsesNoSynchronized() throws IOException {
		Pattern keyword = Pattern.compile("\\bsynchronized\\b");
		List<Path> sources;
		try (Stream<Path> files = Files.list(Path.of("src/main/java/io/hacover/core"))) {
			sources = files.filter((file) -> file.toString().endsWith(".java")).toList();
		}
		assertThat(sources).extracting((file) -> file.getFileName().toString())
			.contains("HaConnections.java", "ConnectionRecord.java", "ConnectionProxy.java", "ConnectionControl.java");
		for (Path source : sources) {
			assertThat(keyword.matcher(Files.readString(source, StandardCharsets.UTF_8)).find())
				.as("'synchronized' in %s", source)
				.isFalse();
		}
		for (Class<?> type : List.of(HaConnections.class, ConnectionRecord.class, ConnectionProxy.class,
				ConnectionControl.class, Closeables.class)) {
			for (Method method : type.getDeclaredMethods()) {
				assertThat(Modifier.isSynchronized(method.getModifiers())).as("%s is synchronized", method).isFalse();
			}
		}
	}

	@Test
	@DisplayName("H24: a thread blocked in a recovery function, or waiting for it, holds no monitor")
	void threadInARecoveryFunctionHoldsNoMonitor() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			release.await();
			return Probe.answering("fresh");
		});
		Probe connection = this.ha.attach(Probe.class, Probe.dead(), recovery);
		Future<String> first = this.executor.submit(() -> connection.call("first"));
		Future<String> second = this.executor.submit(() -> connection.call("second"));
		await().until(() -> recovery.calls() == 1);
		Thread recovering = recovery.lastCall().thread();
		Thread waiting = this.threads.stream().filter((thread) -> thread != recovering).findFirst().orElseThrow();
		await().until(() -> isWaitingFor(waiting, recovering));
		ThreadInfo inRecovery = THREAD_MX_BEAN.getThreadInfo(new long[] { recovering.getId() }, true, true)[0];
		ThreadInfo inWait = THREAD_MX_BEAN.getThreadInfo(new long[] { waiting.getId() }, true, true)[0];
		assertThat(recovery.calls()).isOne();
		assertThat(inRecovery.getLockedMonitors()).isEmpty();
		assertThat(inRecovery.getLockedSynchronizers()).isNotEmpty();
		assertThat(inWait.getLockedMonitors()).isEmpty();
		release.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("fresh:first");
		assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("fresh:second");
	}

	@Test
	@DisplayName("H24: a thread blocked in the resource holds no monitor")
	void threadInTheResourceHoldsNoMonitor() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<Thread> caller = new AtomicReference<>();
		Probe blocking = (argument) -> {
			caller.set(Thread.currentThread());
			entered.countDown();
			awaitQuietly(release);
			return "done:" + argument;
		};
		Probe connection = this.ha.attach(Probe.class, blocking, (context) -> Probe.answering("fresh"));
		Future<String> call = this.executor.submit(() -> connection.call("x"));
		await().until(() -> entered.getCount() == 0);
		ThreadInfo inResource = THREAD_MX_BEAN.getThreadInfo(new long[] { caller.get().getId() }, true, true)[0];
		assertThat(inResource.getLockedMonitors()).isEmpty();
		release.countDown();
		assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("done:x");
	}

	private ThreadFactory recordingThreads() {
		ThreadFactory defaults = Executors.defaultThreadFactory();
		return (task) -> {
			Thread thread = defaults.newThread(task);
			thread.setDaemon(true);
			this.threads.add(thread);
			return thread;
		};
	}

	private long threadsWaitingFor(Thread owner) {
		return this.threads.stream().filter((thread) -> isWaitingFor(thread, owner)).count();
	}

	private static boolean isWaitingFor(Thread thread, Thread owner) {
		ThreadInfo info = THREAD_MX_BEAN.getThreadInfo(thread.getId());
		return info != null && info.getLockOwnerId() == owner.getId();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while held", ex);
		}
	}

	/**
	 * A control operation to run on another thread while a recovery is in progress.
	 */
	@FunctionalInterface
	interface ControlOperation {

		void apply(HaConnections ha, Probe connection) throws Exception;

	}

	/**
	 * The outcome of a call run on a thread of its own: its error and whether it ended
	 * with its interrupt flag set.
	 */
	static final class Outcome {

		final AtomicReference<Throwable> error = new AtomicReference<>();

		final Thread thread;

		volatile boolean interrupted;

		private Outcome(Call call) {
			this.thread = new Thread(() -> {
				try {
					call.run();
				}
				catch (Throwable ex) {
					this.error.set(ex);
				}
				this.interrupted = Thread.currentThread().isInterrupted();
			});
			this.thread.setDaemon(true);
		}

		static Outcome start(Call call) {
			Outcome outcome = new Outcome(call);
			outcome.thread.start();
			return outcome;
		}

		@FunctionalInterface
		interface Call {

			void run() throws Exception;

		}

	}

}
