package io.hacover.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

import org.springframework.util.backoff.BackOffExecution;

/**
 * The bookkeeping of one HA connection, shared by all its duplicates (H25): the current
 * resource, the recovery function and handle, the settings and limits, the counters and
 * the state. Runs the single-flight recovery (H19).
 * <p>
 * The happy path reads one volatile field ({@link #current}) and calls the resource; the
 * lock is taken only after a stale error and by the control operations. No monitor is
 * ever held while calling out (H24).
 *
 * @param <T> the type of the resource
 */
final class ConnectionRecord<T> {

	final String name;

	final String kind;

	final Class<T> type;

	private final HaConnections table;

	private final Opener<T> opener;

	private final StaleConnectionClassifier classifier;

	private final BiPredicate<Method, Object[]> idempotent;

	private final Attachment.OutcomeTranslator outcomeTranslator;

	private final ReentrantLock lock = new ReentrantLock();

	private final AtomicInteger references = new AtomicInteger(1);

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final AtomicLong retransmitted = new AtomicLong();

	private final AtomicLong consecutiveFailures = new AtomicLong();

	private volatile Current<T> current;

	private volatile RecoveryFunction<T> recovery;

	private volatile Object handle;

	private volatile ConnectionSettings settings;

	private volatile long maxRecoveries;

	private volatile long maxConsecutiveFailures;

	private volatile ConnectionState state = ConnectionState.ATTACHED;

	private ConnectionState stateBeforeSuspend = ConnectionState.ATTACHED;

	private volatile GiveUp lastGiveUp;

	private volatile ConnectionInfo.Failure lastFailure;

	private volatile ConnectionInfo.Recovery lastRecovery;

	ConnectionRecord(HaConnections table, String name, Attachment<T> attachment, T resource,
			RecoveryFunction<T> recovery, ConnectionSettings settings, StaleConnectionClassifier classifier) {
		this.table = table;
		this.name = name;
		this.kind = attachment.kind;
		this.type = attachment.type;
		this.opener = attachment.opener;
		this.classifier = classifier;
		this.idempotent = (attachment.idempotent != null) ? attachment.idempotent : (method, args) -> false;
		this.outcomeTranslator = (attachment.outcomeTranslator != null) ? attachment.outcomeTranslator
				: (method, args, outcomeUnknown) -> outcomeUnknown;
		this.current = new Current<>(resource, 0);
		this.recovery = recovery;
		this.handle = attachment.handle;
		this.settings = settings;
		this.maxRecoveries = settings.maxRecoveries();
		this.maxConsecutiveFailures = settings.maxConsecutiveFailures();
	}

	boolean isIn(HaConnections table) {
		return this.table == table;
	}

	T resource() {
		return this.current.resource;
	}

	ConnectionState state() {
		return this.state;
	}

	/**
	 * Returns the resource in use with its generation: the one volatile read of the happy
	 * path.
	 */
	Current<T> current() {
		return this.current;
	}

	/**
	 * Issues an operation on the current resource, recovering and re-issuing it after a
	 * stale error (H8, H10, H13, H14).
	 */
	Object invoke(Method method, Object[] args) throws Throwable {
		Current<T> issuedOn = this.current;
		try {
			return method.invoke(issuedOn.resource, args);
		}
		catch (InvocationTargetException ex) {
			return afterFailure(method, args, issuedOn, ex.getCause());
		}
	}

	/**
	 * Handles the error an operation issued on {@code failedOn} threw: rethrows it if it
	 * is not stale, else recovers and re-issues the operation as the retransmit policy
	 * allows (H8, H10, H13, H14).
	 * @return what the re-issued operation returned
	 */
	Object afterFailure(Method method, Object[] args, Current<T> failedOn, Throwable error) throws Throwable {
		Current<T> issuedOn = failedOn;
		Throwable failure = error;
		for (int reissues = 0;; reissues++) {
			if (!recoveryEnabled() || !this.classifier.isStale(failure)) {
				throw failure;
			}
			issuedOn = recover(issuedOn, failure);
			if (!mayRetransmit(method, args)) {
				throw this.outcomeTranslator.translate(method, args,
						new OutcomeUnknownException(this.name, describe(method), failure));
			}
			int limit = this.settings.maxRetransmissions();
			if (reissues >= limit) {
				failure.addSuppressed(new RecoveryFailedException(this.name, 0,
						"the connection is recovered, but " + "operation " + describe(method)
								+ " was already re-issued " + limit
								+ " times and failed stale each time; giving up on this call",
						null));
				throw failure;
			}
			this.retransmitted.incrementAndGet();
			this.table.publish(HaEvent.of(HaEvent.Kind.RETRANSMITTED, this.name));
			try {
				return method.invoke(issuedOn.resource, args);
			}
			catch (InvocationTargetException ex) {
				failure = ex.getCause();
			}
		}
	}

	private boolean recoveryEnabled() {
		ConnectionState now = this.state;
		return now == ConnectionState.ATTACHED || now == ConnectionState.RECOVERING || now == ConnectionState.FAILED;
	}

	private boolean mayRetransmit(Method method, Object[] args) {
		RetransmitPolicy policy = this.settings.retransmit();
		return policy == RetransmitPolicy.ALWAYS || method.isAnnotationPresent(Idempotent.class)
				|| this.idempotent.test(method, args);
	}

	/**
	 * Recovers the connection after {@code cause} was thrown by an operation issued on
	 * {@code failedOn}, or waits for the recovery already running (H19, H20).
	 * @return the resource to re-issue on
	 * @throws Throwable the cause, with the reason of the give-up attached as suppressed
	 * (H11)
	 */
	private Current<T> recover(Current<T> failedOn, Throwable cause) throws Throwable {
		if (this.lock.isHeldByCurrentThread()) {
			// A stale error on this connection from inside its own recovery function
			// (H21).
			throw cause;
		}
		long failedAt = System.nanoTime();
		try {
			this.lock.lockInterruptibly();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw cause;
		}
		try {
			Current<T> now = this.current;
			if (now != failedOn) {
				return now;
			}
			GiveUp giveUp = this.lastGiveUp;
			if (giveUp != null && giveUp.failedOn == failedOn && giveUp.endedAt - failedAt >= 0) {
				// This thread waited for a recovery that gave up: it shares its outcome.
				cause.addSuppressed(giveUp.reason);
				throw cause;
			}
			if (!recoveryEnabled()) {
				throw cause;
			}
			return runRecovery(failedOn, cause);
		}
		finally {
			this.lock.unlock();
		}
	}

	private Current<T> runRecovery(Current<T> failedOn, Throwable cause) throws Throwable {
		long started = System.nanoTime();
		ConnectionState before = this.state;
		this.state = ConnectionState.RECOVERING;
		this.lastFailure = new ConnectionInfo.Failure(Instant.now(), cause.getClass().getName(),
				CredentialMasker.mask(cause.getMessage()));
		publish(HaEvent.Kind.RECOVERY_STARTED, 0, cause, Duration.ZERO);
		try {
			return recoveryAttempts(failedOn, cause, started, before);
		}
		catch (Throwable ex) {
			if (ex == cause) {
				throw ex;
			}
			// Only a failing policy gets here: the attempts catch what the function
			// throws.
			throw giveUp(failedOn, cause, started,
					new RecoveryFailedException(this.name, 0, "the recovery policy failed: " + ex, ex));
		}
	}

	private Current<T> recoveryAttempts(Current<T> failedOn, Throwable cause, long started, ConnectionState before)
			throws Throwable {
		RecoveryPolicy policy = this.settings.policy();
		long deadline = started + policy.budget().toNanos();
		BackOffExecution spacing = policy.start();
		Throwable lastError = null;
		for (int attempt = 1;; attempt++) {
			String refusal = limitReached();
			if (refusal != null) {
				throw giveUp(failedOn, cause, started,
						new RecoveryFailedException(this.name, attempt - 1, refusal, lastError));
			}
			T fresh = null;
			Throwable attemptError = null;
			try {
				fresh = this.recovery.recover(new Context(failedOn.resource, cause, attempt));
			}
			catch (Throwable ex) {
				attemptError = ex;
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
			}
			if (fresh != null) {
				return succeed(failedOn, fresh, started, attempt);
			}
			this.failed.incrementAndGet();
			this.consecutiveFailures.incrementAndGet();
			publish(HaEvent.Kind.ATTEMPT_FAILED, attempt, attemptError, Duration.ZERO);
			if (attemptError == null) {
				throw giveUp(failedOn, cause, started, new RecoveryFailedException(this.name, attempt,
						"the recovery function gave up (returned null) at attempt " + attempt, lastError));
			}
			lastError = attemptError;
			if (spacing instanceof RecoveryPolicy.FailureAware aware) {
				aware.attemptFailed(lastError);
			}
			long delay = spacing.nextBackOff();
			if (Thread.currentThread().isInterrupted()) {
				throw interrupted(cause, before, started);
			}
			if (delay == BackOffExecution.STOP) {
				throw giveUp(failedOn, cause, started,
						new RecoveryFailedException(this.name, attempt, "recovery gave up after " + attempt
								+ " attempts: the recovery policy " + policy + " allows no more", lastError));
			}
			long delayNanos = TimeUnit.MILLISECONDS.toNanos(delay);
			if (System.nanoTime() + delayNanos - deadline > 0) {
				throw giveUp(failedOn, cause, started,
						new RecoveryFailedException(this.name, attempt,
								"recovery gave up after " + attempt + " attempts in " + millisSince(started)
										+ " ms: the next attempt would start beyond the budget of "
										+ policy.budget().toMillis() + " ms",
								lastError));
			}
			try {
				TimeUnit.NANOSECONDS.sleep(delayNanos);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw interrupted(cause, before, started);
			}
		}
	}

	private String limitReached() {
		long maxTotal = this.maxRecoveries;
		if (maxTotal >= 0 && this.succeeded.get() + this.failed.get() >= maxTotal) {
			return "the limit of " + maxTotal + " recoveries is reached; raise max-recoveries or reset the counters";
		}
		long maxInARow = this.maxConsecutiveFailures;
		if (maxInARow >= 0 && this.consecutiveFailures.get() >= maxInARow) {
			return "the limit of " + maxInARow
					+ " consecutive failed recoveries is reached; raise max-consecutive-failures or reset the counters";
		}
		return null;
	}

	private Current<T> succeed(Current<T> failedOn, T fresh, long started, int attempt) {
		Current<T> next = new Current<>(fresh, failedOn.generation + 1);
		this.current = next;
		this.succeeded.incrementAndGet();
		this.consecutiveFailures.set(0);
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		this.lastRecovery = new ConnectionInfo.Recovery(Instant.now(), took);
		this.state = ConnectionState.ATTACHED;
		publish(HaEvent.Kind.RECOVERED, attempt, null, took);
		return next;
	}

	private Throwable giveUp(Current<T> failedOn, Throwable cause, long started, RecoveryFailedException reason) {
		this.state = ConnectionState.FAILED;
		this.lastGiveUp = new GiveUp(failedOn, System.nanoTime(), reason);
		cause.addSuppressed(reason);
		publish(HaEvent.Kind.GAVE_UP, reason.getAttempts(), cause, Duration.ofNanos(System.nanoTime() - started));
		return cause;
	}

	private Throwable interrupted(Throwable cause, ConnectionState before, long started) {
		this.state = before;
		publish(HaEvent.Kind.INTERRUPTED, 0, cause, Duration.ofNanos(System.nanoTime() - started));
		return cause;
	}

	private static long millisSince(long started) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
	}

	private void publish(HaEvent.Kind kind, int attempt, Throwable cause, Duration duration) {
		this.table.publish(new HaEvent(kind, this.name, Instant.now(), attempt, cause, duration));
	}

	private String describe(Method method) {
		return this.type.getSimpleName() + "." + method.getName() + "()";
	}

	// Control operations (H3, H5, H7, H15 to H17, H22): they wait for a recovery in
	// progress.

	<R> R locked(String operation, Supplier<R> action) {
		if (this.lock.isHeldByCurrentThread()) {
			throw new IllegalStateException("connection '" + this.name + "': cannot " + operation
					+ " from inside its own recovery function, which would deadlock; do it after the recovery returns");
		}
		this.lock.lock();
		try {
			return action.get();
		}
		finally {
			this.lock.unlock();
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

	void limitRecoveries(long max) {
		this.maxRecoveries = max;
	}

	void limitConsecutiveFailures(long max) {
		this.maxConsecutiveFailures = max;
	}

	void resetRecoveries() {
		this.succeeded.set(0);
		this.failed.set(0);
	}

	void resetConsecutiveFailures() {
		this.consecutiveFailures.set(0);
	}

	ConnectionInfo info() {
		return new ConnectionInfo(this.name, this.kind, this.type, this.recovery, this.state, this.references.get(),
				this.succeeded.get(), this.failed.get(), this.retransmitted.get(), this.consecutiveFailures.get(),
				this.maxRecoveries, this.maxConsecutiveFailures, this.lastFailure, this.lastRecovery);
	}

	/**
	 * The resource in use and how many recoveries replaced it before: an operation that
	 * failed on an older generation is re-issued without another recovery (H20).
	 */
	record Current<T>(T resource, long generation) {

	}

	/**
	 * A recovery that gave up, shared with the callers that waited for it.
	 */
	private record GiveUp(Current<?> failedOn, long endedAt, RecoveryFailedException reason) {

	}

	private final class Context implements RecoveryContext<T> {

		private final T failedResource;

		private final Throwable cause;

		private final int attempt;

		Context(T failedResource, Throwable cause, int attempt) {
			this.failedResource = failedResource;
			this.cause = cause;
			this.attempt = attempt;
		}

		@Override
		public String name() {
			return ConnectionRecord.this.name;
		}

		@Override
		public Class<T> type() {
			return ConnectionRecord.this.type;
		}

		@Override
		public T failedResource() {
			return this.failedResource;
		}

		@Override
		public Object handle() {
			return ConnectionRecord.this.handle;
		}

		@Override
		public Throwable cause() {
			return this.cause;
		}

		@Override
		public int attempt() {
			return this.attempt;
		}

		@Override
		public T reopen() throws Exception {
			Opener<T> reopener = ConnectionRecord.this.opener;
			if (reopener == null) {
				throw new IllegalStateException("connection '" + ConnectionRecord.this.name
						+ "' was attached, not opened, so it cannot be reopened the same way; "
						+ "return a new resource from the recovery function instead");
			}
			Closeables.closeQuietly(this.failedResource);
			return reopener.open();
		}

	}

}
