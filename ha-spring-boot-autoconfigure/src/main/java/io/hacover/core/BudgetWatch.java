package io.hacover.core;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps one {@link RecoveryRun} within its budget (H28). When the budget is spent while
 * the leader is inside a step (the recovery function, or an opener), the leader is
 * interrupted; {@link #GRACE} later, a run that still has not ended is given up on, by
 * the watchdog or by the first thread that waited that long, so that nobody waits for it
 * any longer. One daemon thread serves every watch.
 */
final class BudgetWatch {

	/**
	 * How long past its budget a run may take to end after its leader was interrupted,
	 * before waiters and control operations stop waiting for it.
	 */
	static final Duration GRACE = RecoveryPolicy.GRACE;

	private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

	private static final int BETWEEN_STEPS = 0;

	private static final int IN_STEP = 1;

	private static final int TIMED_OUT = 2;

	private final Thread leader;

	private final AtomicInteger stage = new AtomicInteger(BETWEEN_STEPS);

	private volatile Runnable giveUp;

	private volatile ScheduledFuture<?> timer;

	BudgetWatch(Thread leader) {
		this.leader = leader;
	}

	/**
	 * Starts watching.
	 * @param budgetNanos how long the run may take from now
	 * @param giveUp gives up on the run, once its grace is over too
	 */
	void start(long budgetNanos, Runnable giveUp) {
		this.giveUp = giveUp;
		this.timer = WATCHDOG.schedule(this::budgetSpent, budgetNanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * Stops watching a run that ended.
	 */
	void stop() {
		ScheduledFuture<?> running = this.timer;
		if (running != null) {
			running.cancel(false);
		}
	}

	/**
	 * Called by the leader before each step.
	 */
	void stepStarted() {
		this.stage.set(IN_STEP);
	}

	/**
	 * Called by the leader after each step.
	 * @return {@code false} if the budget was spent during the step; the watch's
	 * interrupt is then cleared from the leader
	 */
	boolean stepEnded() {
		if (this.stage.compareAndSet(IN_STEP, BETWEEN_STEPS)) {
			return true;
		}
		Thread.interrupted();
		return false;
	}

	/**
	 * Gives up on the run: its grace is over.
	 */
	void abandon() {
		Runnable action = this.giveUp;
		if (action != null) {
			action.run();
		}
	}

	private void budgetSpent() {
		if (this.stage.compareAndSet(IN_STEP, TIMED_OUT)) {
			this.leader.interrupt();
		}
		WATCHDOG.schedule(this::abandon, GRACE.toMillis(), TimeUnit.MILLISECONDS);
	}

	private static ScheduledThreadPoolExecutor watchdog() {
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "hacover-recovery-watchdog");
			thread.setDaemon(true);
			return thread;
		});
		executor.setRemoveOnCancelPolicy(true);
		return executor;
	}

}
