package io.hacover.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.util.backoff.BackOffExecution;

/**
 * One run of attempts to get a resource, spaced by a {@link RecoveryPolicy} within its
 * budget: the one recovery loop of the code base. A record runs one to recover its
 * connection (H12, H19); {@link HaConnections#open(Attachment)} runs one to wait out an
 * outage while opening.
 * <p>
 * The thread that starts a run leads it: it calls the step (the recovery function, or the
 * opener) itself, holding the run's {@link #gate}, on which the threads that wait for the
 * run queue (H19, H22). No other lock is held while the step runs (H24).
 * <p>
 * A run never outlives its budget by more than {@link BudgetWatch#GRACE} (H28): when the
 * budget is spent while the step runs, its {@link BudgetWatch} interrupts the leader, and
 * what the step returns after that is closed and never installed; waiters and control
 * operations give up on the run at the end of the grace. Which failures are tried again
 * follows H30, and an interrupt of the leader ends the run without a failure being
 * counted (H31).
 *
 * @param <T> the type of the resource
 */
final class RecoveryRun<T> {

	/**
	 * What {@link #probed(long)} returns when the server's port did not open within the
	 * budget.
	 */
	private static final long PORT_STAYED_CLOSED = -1;

	/**
	 * The thread that leads the run.
	 */
	final Thread leader = Thread.currentThread();

	/**
	 * Held by the leader while the run lasts; waiters queue on it.
	 */
	final ReentrantLock gate = new ReentrantLock();

	/**
	 * When the run started ({@link System#nanoTime()}): when the stale error was seen.
	 */
	final long started;

	private final String name;

	private final RecoveryPolicy policy;

	private final StaleConnectionClassifier classifier;

	private final BudgetWatch watch = new BudgetWatch(this.leader);

	private T resource;

	private int attempts;

	private RecoveryFailedException reason;

	private final ReadinessProbes.Readiness readiness;

	/**
	 * When the probe found the server's port open after it had been closed during this
	 * recovery, or 0.
	 */
	private long portOpenedAt;

	/**
	 * Prepares a run.
	 * @param name the connection's name, for messages
	 * @param policy spaces the attempts and sets the budget
	 * @param classifier the connection's classifier: its stale errors are tried again
	 * (H30)
	 * @param started when the stale error was seen ({@link System#nanoTime()})
	 * @param readiness the probe of the server's endpoints, or {@code null} to sleep out
	 * the back-off
	 */
	RecoveryRun(String name, RecoveryPolicy policy, StaleConnectionClassifier classifier, long started,
			ReadinessProbes.Readiness readiness) {
		this.name = name;
		this.policy = policy;
		this.classifier = classifier;
		this.started = started;
		this.readiness = readiness;
	}

	/**
	 * Returns when the run's budget ends ({@link System#nanoTime()}).
	 * @return the deadline
	 */
	long deadline() {
		return this.started + this.policy.budget().toNanos();
	}

	/**
	 * Returns how long a thread waiting for this run should wait at most: until the end
	 * of its budget and grace.
	 * @return the longest wait, in nanoseconds, never negative
	 */
	long longestWait() {
		return Math.max(0, deadline() + BudgetWatch.GRACE.toNanos() - System.nanoTime());
	}

	/**
	 * Runs the attempts on the calling thread, which must be the leader.
	 * @param step makes one attempt
	 * @param tally counts and tells of each failed attempt, and refuses attempts beyond
	 * the limits
	 * @param stuck gives up on the run when it is still going at the end of its budget
	 * and grace: called by the watchdog, or by a thread that waited that long
	 * @return how the run ended
	 */
	Outcome run(Step<T> step, Tally tally, Runnable stuck) {
		this.watch.start(deadline() - System.nanoTime(), stuck);
		try {
			return attempts(step, tally);
		}
		finally {
			this.watch.stop();
		}
	}

	/**
	 * Returns the resource of a run that ended {@link Outcome#RECOVERED}.
	 * @return the resource
	 */
	T resource() {
		return this.resource;
	}

	/**
	 * Returns the number of the attempt that ended the run.
	 * @return the attempt number, 0 when no attempt was made
	 */
	int attempts() {
		return this.attempts;
	}

	/**
	 * Returns why a run that ended {@link Outcome#GAVE_UP} gave up.
	 * @return the reason
	 */
	RecoveryFailedException reason() {
		return this.reason;
	}

	/**
	 * Returns the reason given to threads that stop waiting for a run that did not end
	 * within its budget and grace (H28).
	 * @return the reason
	 */
	RecoveryFailedException overdue() {
		return new RecoveryFailedException(this.name, this.attempts,
				"its recovery has run " + millisSince(this.started) + " ms, past its budget of "
						+ this.policy.budget().toMillis() + " ms and a grace of " + BudgetWatch.GRACE.toMillis()
						+ " ms: the recovery function does not return; what it returns later is closed",
				null);
	}

	private Outcome attempts(Step<T> step, Tally tally) {
		BackOffExecution spacing;
		try {
			spacing = this.policy.start();
		}
		catch (RuntimeException ex) {
			return gaveUp(0, "the recovery policy " + this.policy + " failed: " + ex, ex);
		}
		Throwable last = null;
		for (int attempt = 1;; attempt++) {
			this.attempts = attempt - 1;
			String refusal = tally.refusal();
			if (refusal != null) {
				return gaveUp(attempt - 1, refusal, last);
			}
			T fresh = null;
			Throwable failure = null;
			this.watch.stepStarted();
			try {
				fresh = step.attempt(attempt);
			}
			catch (Throwable ex) {
				failure = ex;
			}
			this.attempts = attempt;
			if (!this.watch.stepEnded()) {
				Closeables.closeQuietly(fresh);
				RecoveryFailedException late = new RecoveryFailedException(this.name, attempt,
						"the recovery function did not return within the budget of " + this.policy.budget().toMillis()
								+ " ms; it was interrupted"
								+ ((fresh != null) ? ", and what it returned late was closed" : ""),
						failure);
				tally.attemptFailed(attempt, late);
				return gaveUp(late);
			}
			if (fresh != null) {
				this.resource = fresh;
				return Outcome.RECOVERED;
			}
			if (isInterrupt(failure)) {
				// H31: an interrupted attempt is no failed attempt.
				Thread.currentThread().interrupt();
				return Outcome.INTERRUPTED;
			}
			tally.attemptFailed(attempt, failure);
			if (failure == null) {
				return gaveUp(attempt, "the recovery function gave up (returned null) at attempt " + attempt, last);
			}
			if (failure instanceof RecoveryFailedException refused) {
				return gaveUp(refused);
			}
			if (!isRetryable(failure)) {
				return gaveUp(attempt, "attempt " + attempt + " failed with " + failure.getClass().getName()
						+ ", which says that the recovery function is wrong, not that the server is still down, so "
						+ "the attempts end at once; fix the function, or list that type among the stale "
						+ "exceptions if it does mean the server is down", failure);
			}
			last = failure;
			long delay;
			try {
				if (spacing instanceof RecoveryPolicy.FailureAware aware) {
					aware.attemptFailed(failure);
				}
				delay = spacing.nextBackOff();
			}
			catch (RuntimeException ex) {
				return gaveUp(attempt, "the recovery policy " + this.policy + " failed: " + ex, ex);
			}
			if (delay == BackOffExecution.STOP) {
				return gaveUp(attempt, "recovery gave up after " + attempt + " attempts: the recovery policy "
						+ this.policy + " allows no more", last);
			}
			long delayNanos = TimeUnit.MILLISECONDS.toNanos(delay);
			try {
				delayNanos = probed(delayNanos);
				if (delayNanos == PORT_STAYED_CLOSED) {
					return gaveUp(attempt,
							"recovery gave up after " + attempt + " attempts in " + millisSince(this.started)
									+ " ms: the server's port did not open within the budget of "
									+ this.policy.budget().toMillis() + " ms",
							last);
				}
				if (System.nanoTime() + delayNanos - deadline() > 0) {
					return gaveUp(attempt,
							"recovery gave up after " + attempt + " attempts in " + millisSince(this.started)
									+ " ms: the next attempt would start beyond the budget of "
									+ this.policy.budget().toMillis() + " ms",
							last);
				}
				TimeUnit.NANOSECONDS.sleep(delayNanos);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return Outcome.INTERRUPTED;
			}
		}
	}

	/**
	 * Returns how long to wait before the next attempt, asking the readiness probe if
	 * there is one: the back-off while the port is open; none once a closed port opened;
	 * a short one, the probe's interval, while attempts still fail within
	 * {@link ReadinessProbes#STARTING_WINDOW} of the port opening (PostgreSQL's
	 * {@code 57P03}, starting up); {@link #PORT_STAYED_CLOSED} if it did not open within
	 * the budget.
	 */
	private long probed(long delayNanos) throws InterruptedException {
		if (this.readiness == null) {
			return delayNanos;
		}
		if (this.portOpenedAt != 0
				&& System.nanoTime() - this.portOpenedAt < ReadinessProbes.STARTING_WINDOW.toNanos()) {
			return Math.min(delayNanos, this.readiness.interval().toNanos());
		}
		return switch (this.readiness.check(deadline())) {
			case OPEN -> delayNanos;
			case OPENED -> {
				this.portOpenedAt = System.nanoTime();
				yield 0;
			}
			case CLOSED -> PORT_STAYED_CLOSED;
		};
	}

	/**
	 * H30: only failures that say the server is still down are tried again: I/O errors
	 * and stale errors anywhere in the cause chain, never an {@link Error}.
	 */
	private boolean isRetryable(Throwable failure) {
		if (failure instanceof Error) {
			return false;
		}
		Map<Throwable, Boolean> seen = new IdentityHashMap<>();
		for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
			if (t instanceof IOException || t instanceof UncheckedIOException) {
				return true;
			}
		}
		return this.classifier.isStale(failure);
	}

	private static boolean isInterrupt(Throwable failure) {
		return failure instanceof InterruptedException || Thread.currentThread().isInterrupted();
	}

	private Outcome gaveUp(int attempt, String message, Throwable cause) {
		return gaveUp(new RecoveryFailedException(this.name, attempt, message, cause));
	}

	private Outcome gaveUp(RecoveryFailedException why) {
		this.reason = why;
		return Outcome.GAVE_UP;
	}

	/**
	 * Waits for the run to end, at most until its budget and grace end; then gives up on
	 * it (H28), so that the caller can go on.
	 * @throws InterruptedException when the waiting thread is interrupted
	 */
	void awaitEnd() throws InterruptedException {
		if (this.gate.tryLock(longestWait(), TimeUnit.NANOSECONDS)) {
			this.gate.unlock();
		}
		else {
			this.watch.abandon();
		}
	}

	private static long millisSince(long started) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
	}

	/**
	 * How a run ended.
	 */
	enum Outcome {

		/**
		 * An attempt returned a resource: {@link RecoveryRun#resource()}.
		 */
		RECOVERED,

		/**
		 * The run gave up: {@link RecoveryRun#reason()}.
		 */
		GAVE_UP,

		/**
		 * The leader was interrupted; nothing is counted (H31).
		 */
		INTERRUPTED

	}

	/**
	 * Makes one attempt.
	 *
	 * @param <T> the type of the resource
	 */
	@FunctionalInterface
	interface Step<T> {

		/**
		 * Makes an attempt.
		 * @param attempt its number, from 1
		 * @return the resource, or {@code null} to give up
		 * @throws Exception when the attempt failed
		 */
		T attempt(int attempt) throws Exception;

	}

	/**
	 * What the owner of a run counts.
	 */
	interface Tally {

		/**
		 * Returns why no more attempt may be made (a limit is reached, H15, H16), or
		 * {@code null}.
		 * @return the refusal, or {@code null}
		 */
		String refusal();

		/**
		 * Called on the leader after each failed attempt, interrupted ones excepted.
		 * @param attempt the attempt's number
		 * @param failure what it threw, or {@code null} when it returned {@code null}
		 */
		void attemptFailed(int attempt, Throwable failure);

	}

}
