package io.hacover.core;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests of an engine that stays bounded and is never fooled by its own recovery function:
 * blocking functions, wrong results, functions that are wrong rather than facing a dead
 * server, interrupts, listeners that fail, attachments that fail half way, and counters
 * that say what they count (H28 to H33, H36).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class BoundedRecoveryTests {

	private static final Duration BUDGET = Duration.ofMillis(300);

	/**
	 * How long a test waits for what must end within the budget and its grace: a guard
	 * against a hang, not a measure of speed.
	 */
	private static final Duration HANG_GUARD = Duration.ofSeconds(20);

	private final HaConnections ha = FastSettings.table();

	private final List<HaEvent> events = new CopyOnWriteArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task);
		thread.setDaemon(true);
		return thread;
	});

	BoundedRecoveryTests() {
		this.ha.addListener(this.events::add);
	}

	@AfterEach
	void stopThreads() {
		this.executor.shutdownNow();
	}

	@Test
	@DisplayName("H28: a recovery function that blocks is interrupted at the end of the budget; its caller, a waiter, a control operation and close() all return")
	void blockingRecoveryFunctionIsInterruptedAtTheEndOfTheBudget() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			entered.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
				throw ex;
			}
			return Probe.answering("never");
		});
		Probe connection = this.ha
			.attach(Attachment.of(Probe.class, Probe.dead()).name("blocked").recovery(recovery).settings(withBudget()));
		Future<Throwable> leader = this.executor.submit(() -> catchThrowable(() -> connection.call("leader")));
		entered.await();
		Future<Throwable> waiter = this.executor.submit(() -> catchThrowable(() -> connection.call("waiter")));
		Future<Throwable> control = this.executor
			.submit(() -> catchThrowable(() -> this.ha.control(connection).limitRecoveries(5)));
		assertTimeoutPreemptively(HANG_GUARD, () -> {
			assertThat(leader.get()).isInstanceOf(SocketException.class)
				.satisfies((thrown) -> assertThat(thrown.getSuppressed())
					.singleElement(InstanceOfAssertFactories.THROWABLE)
					.isInstanceOf(RecoveryFailedException.class)
					.hasMessageContaining("did not return within the budget of 300 ms"));
			assertThat(waiter.get()).isInstanceOf(SocketException.class)
				.hasMessageContaining("waiter")
				.satisfies((thrown) -> assertThat(thrown.getSuppressed())
					.singleElement(InstanceOfAssertFactories.THROWABLE)
					.isInstanceOf(RecoveryFailedException.class));
			assertThat(control.get()).isNull();
			this.ha.close(connection);
		});
		assertThat(interrupted).isTrue();
		assertThat(recovery.calls()).isOne();
		assertThat(this.events).extracting(HaEvent::kind).contains(HaEvent.Kind.GAVE_UP, HaEvent.Kind.CLOSED);
	}

	@Test
	@DisplayName("H28: a recovery function that ignores interrupts cannot hold waiters or close(); what it returns late is closed, never installed")
	void recoveryFunctionThatIgnoresInterruptsIsAbandoned() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		ClosableProbe late = new ClosableProbe("late");
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			entered.countDown();
			awaitIgnoringInterrupts(release);
			return late;
		});
		Probe connection = this.ha
			.attach(Attachment.of(Probe.class, Probe.dead()).name("stuck").recovery(recovery).settings(withBudget()));
		Future<Throwable> leader = this.executor.submit(() -> catchThrowable(() -> connection.call("leader")));
		entered.await();
		Future<Throwable> waiter = this.executor.submit(() -> catchThrowable(() -> connection.call("waiter")));
		assertTimeoutPreemptively(HANG_GUARD, () -> {
			assertThat(waiter.get()).isInstanceOf(SocketException.class)
				.satisfies((thrown) -> assertThat(thrown.getSuppressed())
					.singleElement(InstanceOfAssertFactories.THROWABLE)
					.isInstanceOf(RecoveryFailedException.class)
					.hasMessageContaining("does not return"));
			this.ha.close(connection);
		});
		assertThat(this.ha.find("stuck")).isEmpty();
		release.countDown();
		assertThat(leader.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(SocketException.class)
			.hasMessageContaining("leader");
		assertThat(late.closed).isTrue();
		assertThat(late.calls).hasValue(0);
	}

	@Test
	@DisplayName("H28: two connections whose recovery functions call each other from two threads end within their budgets")
	void recoveryFunctionsCallingEachOtherDoNotDeadlock() throws Exception {
		CyclicBarrier bothRecovering = new CyclicBarrier(2);
		AtomicReference<Probe> first = new AtomicReference<>();
		AtomicReference<Probe> second = new AtomicReference<>();
		first.set(this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("first")
			.recovery(callingOther(bothRecovering, second))
			.settings(withBudget())));
		second.set(this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("second")
			.recovery(callingOther(bothRecovering, first))
			.settings(withBudget())));
		Future<Throwable> one = this.executor.submit(() -> catchThrowable(() -> first.get().call("one")));
		Future<Throwable> two = this.executor.submit(() -> catchThrowable(() -> second.get().call("two")));
		assertTimeoutPreemptively(HANG_GUARD, () -> {
			assertThat(one.get()).isInstanceOf(IOException.class);
			assertThat(two.get()).isInstanceOf(IOException.class);
		});
		assertThat(this.ha.connections()).extracting(ConnectionInfo::recoveriesSucceeded).containsOnly(0L);
	}

	@Test
	@DisplayName("H29: a recovery function that returns an object of the wrong type fails the recovery clearly and is never counted a success")
	void resultOfTheWrongTypeFailsTheRecovery() throws Exception {
		RecordingRecovery<Probe> recovery = RecordingRecovery.of(wrongType());
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead()).name("wrong").recovery(recovery));
		Throwable thrown = catchThrowable(() -> connection.call("x"));
		assertThat(thrown).isInstanceOf(SocketException.class);
		assertThat(thrown.getSuppressed()).singleElement(InstanceOfAssertFactories.THROWABLE)
			.isInstanceOf(RecoveryFailedException.class)
			.hasMessageContaining("'wrong'")
			.hasMessageContaining("returned a java.lang.String, which is not a " + Probe.class.getName());
		assertThat(recovery.calls()).isOne();
		ConnectionInfo info = this.ha.find("wrong").orElseThrow();
		assertThat(info.recoveriesSucceeded()).isZero();
		assertThat(info.recoveriesFailed()).isOne();
		assertThat(info.state()).isEqualTo(ConnectionState.FAILED);
		this.ha.replace(connection, (context) -> Probe.answering("fresh"), null);
		assertThat(connection.call("y")).isEqualTo("fresh:y");
	}

	@Test
	@DisplayName("H29: a recovery function that returns the HA connection itself, or a duplicate, fails clearly instead of recursing")
	void resultThatIsTheHaConnectionItselfFailsTheRecovery() throws Exception {
		AtomicReference<Probe> self = new AtomicReference<>();
		AtomicReference<Probe> duplicate = new AtomicReference<>();
		AtomicInteger calls = new AtomicInteger();
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("itself")
			.recovery((context) -> (calls.incrementAndGet() == 1) ? self.get() : duplicate.get()));
		self.set(connection);
		duplicate.set(this.ha.duplicate(connection));
		for (int call = 1; call <= 2; call++) {
			Throwable thrown = catchThrowable(() -> connection.call("x"));
			assertThat(thrown).isInstanceOf(SocketException.class);
			assertThat(thrown.getSuppressed()).singleElement(InstanceOfAssertFactories.THROWABLE)
				.isInstanceOf(RecoveryFailedException.class)
				.hasMessageContaining("returned the HA connection itself");
		}
		assertThat(calls).hasValue(2);
		assertThat(this.ha.find("itself").orElseThrow().recoveriesSucceeded()).isZero();
	}

	@Test
	@DisplayName("H30: a recovery function that throws NullPointerException ends the recovery at its first attempt, not at the end of the budget")
	void recoveryFunctionThatIsWrongEndsTheRecoveryAtOnce() throws Exception {
		NullPointerException bug = new NullPointerException("a bug in the recovery function");
		RecordingRecovery<Probe> recovery = RecordingRecovery.of((context) -> {
			throw bug;
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("buggy")
			.recovery(recovery)
			.settings(FastSettings.withAttempts(100)));
		Throwable thrown = catchThrowable(() -> connection.call("x"));
		assertThat(recovery.calls()).isOne();
		assertThat(thrown.getSuppressed()).singleElement(InstanceOfAssertFactories.THROWABLE)
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason).hasMessageContaining("NullPointerException")
					.hasMessageContaining("the recovery function is wrong");
				assertThat(reason.getCause()).isSameAs(bug);
			});
	}

	@Test
	@DisplayName("H30: reopen() on a connection that was attached, not opened, and an Error, each end the recovery at once")
	void misuseAndErrorsEndTheRecoveryAtOnce() throws Exception {
		RecordingRecovery<Probe> reopening = RecordingRecovery.of(RecoveryContext::reopen);
		Probe attached = this.ha.attach(
				Attachment.of(Probe.class, Probe.dead()).recovery(reopening).settings(FastSettings.withAttempts(100)));
		Throwable thrown = catchThrowable(() -> attached.call("x"));
		assertThat(reopening.calls()).isOne();
		assertThat(thrown.getSuppressed()).singleElement(InstanceOfAssertFactories.THROWABLE)
			.satisfies((reason) -> assertThat(reason.getCause()).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("attached, not opened"));
		AtomicInteger errors = new AtomicInteger();
		Probe failing = this.ha.attach(Attachment.of(Probe.class, Probe.dead()).recovery((context) -> {
			errors.incrementAndGet();
			throw new ExceptionInInitializerError("broken static state");
		}).settings(FastSettings.withAttempts(100)));
		assertThat(catchThrowable(() -> failing.call("x"))).isInstanceOf(SocketException.class);
		assertThat(errors).hasValue(1);
	}

	@Test
	@DisplayName("H30: I/O errors and the types the classifier lists as stale are still tried again")
	void serverStillDownIsTriedAgain() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead()).recovery((context) -> {
			if (calls.incrementAndGet() % 2 == 0) {
				throw new ConnectException("refused");
			}
			throw new ServerStartingException();
		})
			.classifier(StaleConnectionClassifier.defaults()
				.or(StaleConnectionClassifier.ofTypes(List.of(ServerStartingException.class))))
			.settings(FastSettings.withAttempts(6)));
		assertThat(catchThrowable(() -> connection.call("x"))).isInstanceOf(SocketException.class);
		assertThat(calls).hasValue(6);
	}

	@Test
	@DisplayName("H31: interrupting a recovery counts no failure, leaves the limits untouched and puts the state back")
	void interruptedRecoveryIsNotAFailedRecovery() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		AtomicInteger calls = new AtomicInteger();
		Probe connection = this.ha
			.attach(Attachment.of(Probe.class, Probe.dead()).name("interrupted").recovery((context) -> {
				if (calls.incrementAndGet() == 1) {
					entered.countDown();
					new CountDownLatch(1).await();
				}
				return Probe.answering("fresh");
			}));
		this.ha.control(connection).limitConsecutiveFailures(1);
		ConcurrencyTests.Outcome caller = ConcurrencyTests.Outcome.start(() -> connection.call("x"));
		entered.await();
		caller.thread.interrupt();
		await().until(() -> !caller.thread.isAlive());
		assertThat(caller.error.get()).isInstanceOf(SocketException.class).hasMessageContaining("x");
		assertThat(caller.error.get().getSuppressed()).isEmpty();
		assertThat(caller.interrupted).isTrue();
		ConnectionInfo info = this.ha.find("interrupted").orElseThrow();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.consecutiveFailures()).isZero();
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(this.events).extracting(HaEvent::kind)
			.doesNotContain(HaEvent.Kind.ATTEMPT_FAILED)
			.contains(HaEvent.Kind.INTERRUPTED);
		assertThat(connection.call("y")).isEqualTo("fresh:y");
	}

	@Test
	@DisplayName("H32: a listener that throws an Error on RECOVERED changes neither the outcome nor the state, and is logged once")
	void listenerErrorDoesNotChangeTheRecovery(CapturedOutput output) throws Exception {
		this.ha.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERED) {
				throw new ListenerBrokenError();
			}
		});
		List<HaEvent> later = new CopyOnWriteArrayList<>();
		this.ha.addListener(later::add);
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("listened")
			.recovery((context) -> Probe.answering("fresh")));
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		ConnectionInfo info = this.ha.find("listened").orElseThrow();
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(later).extracting(HaEvent::kind).contains(HaEvent.Kind.RECOVERED);
		assertThat(output.getAll().split("failed on RECOVERED of connection 'listened'", -1)).hasSize(2);
	}

	@Test
	@DisplayName("H32: listeners run outside the record's lock: one may act on the connection it hears about")
	void listenerMayControlTheConnectionItHearsAbout() throws Exception {
		AtomicReference<Throwable> failure = new AtomicReference<>();
		this.ha.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERED) {
				failure.set(catchThrowable(() -> this.ha.control(event.connection()).suspend()));
			}
		});
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("suspending")
			.recovery((context) -> Probe.answering("fresh")));
		assertThat(connection.call("x")).isEqualTo("fresh:x");
		assertThat(failure.get()).isNull();
		assertThat(this.ha.find("suspending").orElseThrow().state()).isEqualTo(ConnectionState.SUSPENDED);
	}

	@Test
	@DisplayName("H33: a resource whose HA connection cannot be made (a sealed interface) leaves no trace in the table")
	void failedProxyLeavesNoTrace() throws Exception {
		SealedImpl resource = new SealedImpl();
		Throwable thrown = catchThrowable(() -> this.ha
			.attach(Attachment.of(Sealed.class, resource).name("sealed").recovery((context) -> new SealedImpl())));
		assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
		assertThat(this.ha.find("sealed")).isEmpty();
		assertThat(this.ha.connections()).isEmpty();
		SealedImpl opened = new SealedImpl();
		assertThat(catchThrowable(() -> this.ha.open(Attachment.opening(Sealed.class, () -> opened).name("sealed"))))
			.isInstanceOf(IllegalArgumentException.class);
		assertThat(opened.closed).isTrue();
		assertThat(this.ha.connections()).isEmpty();
		Probe probe = this.ha
			.attach(Attachment.of(Probe.class, Probe.answering("a")).name("sealed").recovery((context) -> null));
		assertThat(probe.call("x")).isEqualTo("a:x");
	}

	@Test
	@DisplayName("H33: open applies H2's checks as attach does: a resource never gets two records, and is not closed")
	void openRefusesAResourceThatIsAlreadyHaAware() throws Exception {
		ClosableProbe resource = new ClosableProbe("r");
		Probe first = this.ha.attach(Attachment.of(Probe.class, resource).name("first").recovery((context) -> null));
		Throwable again = catchThrowable(
				() -> this.ha.open(Attachment.of(Probe.class, (Probe) resource, () -> resource).name("second")));
		assertThat(again).isInstanceOf(IllegalStateException.class).hasMessageContaining("'first'");
		Throwable connection = catchThrowable(
				() -> this.ha.open(Attachment.opening(Probe.class, () -> first).name("third")));
		assertThat(connection).isInstanceOf(IllegalStateException.class).hasMessageContaining("'first'");
		assertThat(this.ha.connections()).extracting(ConnectionInfo::name).containsExactly("first");
		assertThat(resource.closed).isFalse();
		assertThat(first.call("x")).isEqualTo("r:x");
	}

	@Test
	@DisplayName("H36: thirteen clean outages of four attempts each count thirteen recoveries and fifty-two attempts, no failed recovery")
	void recoveriesAndAttemptsAreCountedApart() throws Exception {
		AtomicInteger attempt = new AtomicInteger();
		Probe connection = this.ha
			.attach(Attachment.of(Probe.class, Probe.dead()).name("outages").recovery((context) -> {
				if (attempt.incrementAndGet() % 4 != 0) {
					throw new ConnectException("still down");
				}
				return answeringOnce();
			}).settings(FastSettings.withAttempts(10)));
		for (int outage = 1; outage <= 13; outage++) {
			assertThat(connection.call("x")).isEqualTo("once:x");
		}
		ConnectionInfo info = this.ha.find("outages").orElseThrow();
		assertThat(info.recoveriesSucceeded()).isEqualTo(13);
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.attempts()).isEqualTo(52);
		assertThat(info.attemptsFailed()).isEqualTo(39);
		assertThat(info.recoveries()).isEqualTo(13);
	}

	@Test
	@DisplayName("H10, H25: a fluent call on a JDK proxy that returns its receiver after a recovery swapped the resource still hands out the HA connection")
	void fluentResultAfterASwapIsTheHaConnection() throws Exception {
		Class<?> isolated = new GeneratedProxyTests.IsolatingClassLoader(Fluent.class.getName())
			.loadClass(Fluent.class.getName());
		CountDownLatch inSelf = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Object old = java.lang.reflect.Proxy.newProxyInstance(isolated.getClassLoader(), new Class<?>[] { isolated },
				(proxy, method, args) -> {
					if (method.getName().equals("self")) {
						inSelf.countDown();
						release.await();
						return proxy;
					}
					if (method.getName().equals("toString")) {
						return "the old resource";
					}
					throw new SocketException("reset");
				});
		Object fresh = java.lang.reflect.Proxy.newProxyInstance(isolated.getClassLoader(), new Class<?>[] { isolated },
				(proxy, method, args) -> method.getName().equals("self") ? proxy : "pong");
		Object connection = attachUnchecked(isolated, old, fresh);
		assertThat(java.lang.reflect.Proxy.isProxyClass(connection.getClass())).isTrue();
		Future<Object> self = this.executor.submit(() -> isolated.getMethod("self").invoke(connection));
		inSelf.await();
		assertThat(isolated.getMethod("ping").invoke(connection)).isEqualTo("pong");
		release.countDown();
		assertThat(self.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isSameAs(connection);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Object attachUnchecked(Class<?> type, Object resource, Object fresh) {
		return this.ha.attach((Class) type, resource, (context) -> fresh);
	}

	private static ConnectionSettings withBudget() {
		return FastSettings.settings()
			.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(10), 1.0, Duration.ofMillis(10), 1000, BUDGET,
					Duration.ZERO));
	}

	private static RecoveryFunction<Probe> callingOther(CyclicBarrier bothRecovering, AtomicReference<Probe> other) {
		return (context) -> {
			if (context.attempt() == 1) {
				bothRecovering.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
			}
			other.get().call("from the other recovery");
			return Probe.answering("fresh");
		};
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static RecoveryFunction<Probe> wrongType() {
		return (RecoveryFunction) (context) -> "not a probe";
	}

	private static Probe answeringOnce() {
		AtomicBoolean used = new AtomicBoolean();
		return (argument) -> {
			if (used.getAndSet(true)) {
				throw new SocketException("the server died again");
			}
			return "once:" + argument;
		};
	}

	private static void awaitIgnoringInterrupts(CountDownLatch latch) {
		boolean interrupted = false;
		while (latch.getCount() > 0) {
			try {
				latch.await();
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A sealed interface: no proxy of either kind can implement it.
	 */
	sealed interface Sealed extends AutoCloseable permits SealedImpl {

		@Override
		void close();

	}

	static final class SealedImpl implements Sealed {

		volatile boolean closed;

		@Override
		public void close() {
			this.closed = true;
		}

	}

	static final class ClosableProbe implements Probe, AutoCloseable {

		final AtomicInteger calls = new AtomicInteger();

		volatile boolean closed;

		private final String name;

		ClosableProbe(String name) {
			this.name = name;
		}

		@Override
		public String call(String argument) {
			this.calls.incrementAndGet();
			return this.name + ":" + argument;
		}

		@Override
		public void close() {
			this.closed = true;
		}

	}

	/**
	 * What a server that is starting says; listed as stale by the test's classifier.
	 */
	static final class ServerStartingException extends RuntimeException {

		ServerStartingException() {
			super("the server is starting up");
		}

	}

	/**
	 * An {@link Error} a listener throws.
	 */
	static final class ListenerBrokenError extends Error {

		ListenerBrokenError() {
			super("the listener is broken");
		}

	}

}
