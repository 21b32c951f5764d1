package io.hacover.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The bookkeeping of one HA connection, shared by all its duplicates (H25): the current
 * resource, the recovery function and handle, the settings and the state, with its
 * {@link RecoveryCounters}. Starts the single-flight {@link RecoveryRun} after a stale
 * error (H19) and installs what it returns.
 * <p>
 * The happy path reads one volatile field of the record ({@link #current}), besides the
 * duplicate's closed flag, and calls the resource. The record's lock guards the state's
 * transitions only: it is never held while calling out, to the resource, the recovery
 * function or a listener (H24, H32). A recovery in progress is a {@link RecoveryRun},
 * whose leader holds its gate; callers and control operations wait on that gate, at most
 * until the run's budget and grace end (H28).
 * <p>
 * An {@link InjectedFault} puts a stand-in in place of the current resource, so that the
 * happy path stays as it is; the recovery function is told the real resource behind it,
 * and {@link #resource()} returns that one.
 *
 * @param <T> the type of the resource
 */
final class ConnectionRecord<T> {

	final String name;

	final String kind;

	final Class<T> type;

	final RecoveryCounters counters;

	/**
	 * Issues and re-issues the operations of the connection's HA connections.
	 */
	final Reissue<T> reissue;

	private final List<Class<?>> interfaces;

	private final HaConnections table;

	private final Opener<T> opener;

	private final StaleConnectionClassifier classifier;

	private final ReentrantLock lock = new ReentrantLock();

	private final AtomicInteger references = new AtomicInteger(1);

	private volatile Current<T> current;

	private volatile RecoveryFunction<T> recovery;

	private volatile Object handle;

	private volatile ConnectionSettings settings;

	private volatile ConnectionState state = ConnectionState.ATTACHED;

	private volatile RecoveryRun<T> running;

	private ConnectionState stateBeforeSuspend = ConnectionState.ATTACHED;

	private ConnectionState stateBeforeRecovery = ConnectionState.ATTACHED;

	private GiveUp lastGiveUp;

	private volatile InjectedFault fault;

	private final Function<? super T, ? extends Map<String, ?>> peer;

	private final ReadinessProbes.Readiness readiness;

	ConnectionRecord(HaConnections table, String name, Attachment<T> attachment, List<Class<?>> interfaces, T resource,
			RecoveryFunction<T> recovery, ConnectionSettings settings, StaleConnectionClassifier classifier) {
		this.table = table;
		this.name = name;
		this.kind = attachment.kind;
		this.type = attachment.type;
		this.interfaces = List.copyOf(interfaces);
		this.opener = attachment.opener;
		this.classifier = classifier;
		this.reissue = new Reissue<>(this, classifier, attachment);
		this.current = new Current<>(resource, 0);
		this.recovery = recovery;
		this.handle = attachment.handle;
		this.settings = settings;
		this.counters = new RecoveryCounters(settings.maxRecoveries(), settings.maxConsecutiveFailures());
		this.peer = attachment.peer;
		this.readiness = table.readiness(attachment.endpoints);
	}

	boolean isIn(HaConnections table) {
		return this.table == table;
	}

	/**
	 * Returns the resource in use, the real one behind a stand-in of an
	 * {@link InjectedFault}.
	 */
	T resource() {
		return InjectedFault.unwrap(this.current.resource);
	}

	ConnectionState state() {
		return this.state;
	}

	/**
	 * Returns the resource in use with its generation: with the duplicate's closed flag,
	 * one of the two volatile reads of the happy path.
	 */
	Current<T> current() {
		return this.current;
	}

	boolean recoveryEnabled() {
		ConnectionState now = this.state;
		return now == ConnectionState.ATTACHED || now == ConnectionState.RECOVERING || now == ConnectionState.FAILED;
	}

	/**
	 * Recovers the connection after {@code cause} was thrown by an operation issued on
	 * {@code failedOn}, or waits for the recovery already running (H19, H20).
	 * @return the resource to re-issue on
	 * @throws Throwable the cause, with the reason of the give-up attached as suppressed
	 * (H11)
	 */
	Current<T> recover(Current<T> failedOn, Throwable cause) throws Throwable {
		if (Thread.currentThread().isInterrupted()) {
			// H23: an interrupted thread starts no recovery and waits for none.
			throw cause;
		}
		long failedAt = System.nanoTime();
		for (;;) {
			RecoveryRun<T> run;
			boolean lead = false;
			this.lock.lock();
			try {
				Current<T> now = this.current;
				if (now != failedOn) {
					return now;
				}
				GiveUp giveUp = this.lastGiveUp;
				if (giveUp != null && giveUp.failedOn == failedOn && giveUp.endedAt - failedAt >= 0) {
					// This thread waited for a recovery that gave up: it shares its
					// outcome.
					cause.addSuppressed(giveUp.reason);
					throw cause;
				}
				if (!recoveryEnabled()) {
					throw cause;
				}
				run = this.running;
				if (run == null) {
					run = start(cause, failedAt);
					lead = true;
				}
				else if (run.leader == Thread.currentThread()) {
					// A stale error on this connection from inside its own recovery
					// (H21).
					throw cause;
				}
			}
			finally {
				this.lock.unlock();
			}
			if (lead) {
				return lead(run, failedOn, cause);
			}
			try {
				run.awaitEnd();
			}
			catch (InterruptedException ex) {
				// H23: the wait ends, the flag is kept, nothing is counted.
				Thread.currentThread().interrupt();
				throw cause;
			}
		}
	}

	/**
	 * Starts a run led by this thread; the lock is held.
	 */
	private RecoveryRun<T> start(Throwable cause, long failedAt) {
		RecoveryRun<T> run = new RecoveryRun<>(this.name, this.settings.policy(), this.classifier, failedAt,
				this.readiness);
		run.gate.lock();
		this.running = run;
		this.stateBeforeRecovery = this.state;
		this.state = ConnectionState.RECOVERING;
		this.counters.recoveryStarted(cause);
		return run;
	}

	/**
	 * Leads a run outside the lock, then installs its outcome under the lock and tells
	 * the listeners after the gate is open (H19, H32).
	 */
	private Current<T> lead(RecoveryRun<T> run, Current<T> failedOn, Throwable cause) throws Throwable {
		HaEvent ended;
		Current<T> next = null;
		try {
			publish(HaEvent.Kind.RECOVERY_STARTED, 0, cause, Duration.ZERO);
			RecoveryRun.Outcome outcome = run.run((attempt) -> attempt(failedOn, cause, attempt), tally(run),
					() -> abandon(run, failedOn, cause));
			Duration took = Duration.ofNanos(System.nanoTime() - run.started);
			this.lock.lock();
			try {
				if (this.running != run) {
					// The watchdog gave up on this run at the end of its grace (H28).
					Closeables.closeQuietly((outcome == RecoveryRun.Outcome.RECOVERED) ? run.resource() : null);
					throw cause;
				}
				this.running = null;
				switch (outcome) {
					case RECOVERED -> {
						next = new Current<>(installed(run.resource()), failedOn.generation + 1);
						this.current = next;
						this.state = ConnectionState.ATTACHED;
						this.counters.recovered(took);
						ended = new HaEvent(HaEvent.Kind.RECOVERED, this.name, Instant.now(), run.attempts(), null,
								took);
					}
					case GAVE_UP -> {
						giveUp(failedOn, cause, run.reason());
						ended = new HaEvent(HaEvent.Kind.GAVE_UP, this.name, Instant.now(), run.attempts(), cause,
								took);
					}
					default -> {
						this.state = this.stateBeforeRecovery;
						ended = new HaEvent(HaEvent.Kind.INTERRUPTED, this.name, Instant.now(), 0, cause, took);
					}
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		finally {
			run.gate.unlock();
		}
		this.table.publish(ended);
		if (next == null) {
			throw cause;
		}
		return next;
	}

	/**
	 * Calls the recovery function with the real failed resource, unless an injected
	 * outage fails the attempt first.
	 */
	private T attempt(Current<T> failedOn, Throwable cause, int attempt) throws Exception {
		InjectedFault injected = this.fault;
		if (injected != null) {
			injected.attemptStarted(attempt);
		}
		return new AttemptContext<>(this, InjectedFault.unwrap(failedOn.resource), cause, attempt).call(this.recovery);
	}

	/**
	 * Returns what to install for the resource a recovery returned: a stand-in while an
	 * injected fault has failures left; the lock is held.
	 */
	private T installed(T fresh) {
		InjectedFault injected = this.fault;
		if (injected == null) {
			return fresh;
		}
		T installed = injected.installed(fresh, this.interfaces);
		if (injected.spent()) {
			this.fault = null;
		}
		return installed;
	}

	/**
	 * Cuts the resource in use for an injected fault; the lock is held (through
	 * {@link #locked(String, Supplier)}).
	 * @return the fault
	 */
	InjectedFault inject(int failures, boolean outage) {
		requireAttached("inject a fault");
		if (this.fault != null && !this.fault.isEnded()) {
			throw new IllegalStateException("connection '" + this.name + "' has a fault injected already (" + this.fault
					+ "); end it before injecting another");
		}
		T real = resource();
		InjectedFault injected = new InjectedFault(this.name, real, failures, outage);
		injected.requireStale(this.classifier);
		this.current = new Current<>(injected.standIn(real, this.interfaces), this.current.generation);
		this.fault = injected;
		return injected;
	}

	/**
	 * Refuses attempts past the limits, and counts and tells of each failed attempt while
	 * the run is still the record's.
	 */
	private RecoveryRun.Tally tally(RecoveryRun<T> run) {
		return new RecoveryRun.Tally() {

			@Override
			public String refusal() {
				return ConnectionRecord.this.counters.refusal();
			}

			@Override
			public void attemptFailed(int attempt, Throwable failure) {
				if (ConnectionRecord.this.running == run) {
					ConnectionRecord.this.counters.attemptFailed();
					publish(HaEvent.Kind.ATTEMPT_FAILED, attempt, failure, Duration.ZERO);
				}
			}

		};
	}

	/**
	 * Gives up on a run still going at the end of its budget and grace (H28), on the
	 * watchdog's thread or a waiter's: waiters and control operations go on, and the
	 * leader, when its function returns, finds the run abandoned.
	 */
	private void abandon(RecoveryRun<T> run, Current<T> failedOn, Throwable cause) {
		RecoveryFailedException overdue = run.overdue();
		this.lock.lock();
		try {
			if (this.running != run) {
				return;
			}
			this.running = null;
			giveUp(failedOn, cause, overdue);
		}
		finally {
			this.lock.unlock();
		}
		this.table.publish(new HaEvent(HaEvent.Kind.GAVE_UP, this.name, Instant.now(), run.attempts(), cause,
				Duration.ofNanos(System.nanoTime() - run.started)));
	}

	/**
	 * Records a give-up; the lock is held.
	 */
	private void giveUp(Current<T> failedOn, Throwable cause, RecoveryFailedException reason) {
		this.state = ConnectionState.FAILED;
		this.lastGiveUp = new GiveUp(failedOn, System.nanoTime(), reason);
		this.counters.gaveUp();
		cause.addSuppressed(reason);
	}

	private void publish(HaEvent.Kind kind, int attempt, Throwable cause, Duration duration) {
		this.table.publish(new HaEvent(kind, this.name, Instant.now(), attempt, cause, duration));
	}

	// Control operations (H3, H5, H7, H15 to H17, H22): they wait for a recovery in
	// progress, at most until its budget and grace end (H28).

	<R> R locked(String operation, Supplier<R> action) {
		for (;;) {
			RecoveryRun<T> run = this.running;
			if (run != null && run.leader == Thread.currentThread()) {
				throw new IllegalStateException("connection '" + this.name + "': cannot " + operation
						+ " from inside its own recovery function, which would deadlock; do it after the recovery returns");
			}
			this.lock.lock();
			try {
				run = this.running;
				if (run == null) {
					return action.get();
				}
			}
			finally {
				this.lock.unlock();
			}
			try {
				run.awaitEnd();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("connection '" + this.name + "': interrupted while waiting for its "
						+ "recovery to end, so it did not " + operation, ex);
			}
		}
	}

	void requireOpen(String operation) {
		if (this.state == ConnectionState.CLOSED) {
			throw new IllegalStateException("connection '" + this.name + "' is closed: cannot " + operation);
		}
	}

	void requireAttached(String operation) {
		requireOpen(operation);
		if (this.state == ConnectionState.DETACHED) {
			throw new IllegalStateException(
					"connection '" + this.name + "' is not attached: cannot " + operation + "; attach it again first");
		}
	}

	void publish(HaEvent.Kind kind) {
		this.table.publish(HaEvent.of(kind, this.name));
	}

	boolean isAttached() {
		return this.state != ConnectionState.DETACHED && this.state != ConnectionState.CLOSED;
	}

	void replace(RecoveryFunction<T> recovery, Object handle) {
		this.recovery = recovery;
		this.handle = handle;
	}

	void reattach(RecoveryFunction<T> recovery, Object handle) {
		replace(recovery, handle);
		attachAgain();
	}

	void attachAgain() {
		this.state = ConnectionState.ATTACHED;
	}

	Object handle() {
		return this.handle;
	}

	RecoveryFunction<T> recovery() {
		return this.recovery;
	}

	List<Class<?>> interfaces() {
		return this.interfaces;
	}

	Opener<T> opener() {
		return this.opener;
	}

	ConnectionSettings settings() {
		return this.settings;
	}

	void detach() {
		this.state = ConnectionState.DETACHED;
	}

	void markClosed() {
		this.state = ConnectionState.CLOSED;
	}

	int addReference() {
		return this.references.incrementAndGet();
	}

	int releaseReference() {
		return this.references.decrementAndGet();
	}

	void suspend() {
		if (this.state != ConnectionState.SUSPENDED) {
			this.stateBeforeSuspend = this.state;
			this.state = ConnectionState.SUSPENDED;
		}
	}

	void enable() {
		if (this.state == ConnectionState.SUSPENDED) {
			this.state = this.stateBeforeSuspend;
		}
	}

	ConnectionInfo info() {
		return this.counters.info(this.name, this.kind, this.type, this.recovery.description(), this.state,
				this.references.get(), peer());
	}

	private Map<String, Object> peer() {
		if (this.peer == null) {
			return Map.of();
		}
		try {
			Map<String, ?> described = this.peer.apply(resource());
			return (described != null) ? Collections.unmodifiableMap(described) : Map.of();
		}
		catch (RuntimeException ex) {
			return Map.of();
		}
	}

	/**
	 * The resource in use and how many recoveries replaced it before: an operation that
	 * failed on an older generation is re-issued without another recovery (H20).
	 */
	record Current<T>(T resource, long generation) {

		/**
		 * Returns what an operation issued on this resource returned, with the resource
		 * itself (a fluent operation's receiver) mapped to the HA connection (H10, H25).
		 */
		Object map(Object result, Object connection) {
			return (result != null && result == this.resource) ? connection : result;
		}

	}

	/**
	 * A recovery that gave up, shared with the callers that waited for it.
	 */
	private record GiveUp(Current<?> failedOn, long endedAt, RecoveryFailedException reason) {

	}

}
