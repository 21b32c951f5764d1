package io.hacover.core;

import org.springframework.util.Assert;

/**
 * The control operations of one HA connection (the C library's {@code ha_control}):
 * limits, suspend and enable, counter resets (H15 to H17), and, by name for operators,
 * detach, attach again and replace the recovery function (H3, H5).
 * <p>
 * Each operation waits for a recovery in progress on the connection to end; called from
 * inside the connection's own recovery function it throws {@link IllegalStateException}
 * at once rather than deadlock (H22). They apply to every duplicate (H25).
 */
public final class ConnectionControl {

	private final ConnectionRecord<?> record;

	ConnectionControl(ConnectionRecord<?> record) {
		this.record = record;
	}

	/**
	 * Detaches the connection (H5): later operations act as on the plain resource and
	 * their errors reach the caller unchanged. Its recovery function, handle, limits and
	 * counters are kept for {@link #attach()}.
	 * @return this control
	 * @throws IllegalStateException if it is not attached
	 */
	public ConnectionControl detach() {
		return apply("detach", this.record::detach, HaEvent.Kind.DETACHED);
	}

	/**
	 * Attaches a detached connection again, with the recovery function and handle it had
	 * when it was detached.
	 * @return this control
	 * @throws IllegalStateException if it is attached already, or closed
	 */
	public ConnectionControl attach() {
		this.record.locked("attach", () -> {
			this.record.requireOpen("attach");
			if (this.record.isAttached()) {
				throw new IllegalStateException("connection '" + this.record.name + "' is already attached");
			}
			this.record.attachAgain();
			return null;
		});
		this.record.publish(HaEvent.Kind.ATTACHED);
		return this;
	}

	/**
	 * Replaces the recovery function and keeps the handle (H3); limits, counters and
	 * state stay as they were.
	 * @param recovery the new recovery function; it must return resources of the
	 * connection's type
	 * @return this control
	 * @throws IllegalStateException if it is not attached
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public ConnectionControl replaceRecovery(RecoveryFunction<?> recovery) {
		Assert.notNull(recovery, "'recovery' must not be null");
		ConnectionRecord raw = this.record;
		return apply("replace its recovery function", () -> raw.replace(recovery, raw.handle()), HaEvent.Kind.REPLACED);
	}

	/**
	 * Limits the total number of calls of the recovery function, successful or not (H15).
	 * Once reached, stale errors reach the caller.
	 * @param max the limit, -1 for none, 0 to disable recovery
	 * @return this control
	 */
	public ConnectionControl limitRecoveries(long max) {
		requireLimit(max, "max-recoveries");
		return apply("limit recoveries", () -> this.record.counters.limitAttempts(max));
	}

	/**
	 * Limits the number of failed calls of the recovery function in a row (H16); a
	 * successful recovery resets the count.
	 * @param max the limit, -1 for none
	 * @return this control
	 */
	public ConnectionControl limitConsecutiveFailures(long max) {
		requireLimit(max, "max-consecutive-failures");
		return apply("limit consecutive failures", () -> this.record.counters.limitConsecutiveFailures(max));
	}

	/**
	 * Suspends recovery: the connection acts as a plain one and no counter moves (H17).
	 * @return this control
	 */
	public ConnectionControl suspend() {
		return apply("suspend", this.record::suspend, HaEvent.Kind.SUSPENDED);
	}

	/**
	 * Enables a suspended recovery again; changes nothing else (H17).
	 * @return this control
	 */
	public ConnectionControl enable() {
		return apply("enable", this.record::enable, HaEvent.Kind.ENABLED);
	}

	/**
	 * Resets to zero the count of calls of the recovery function that
	 * {@link #limitRecoveries(long)} limits, and the counts of recoveries with it (H17).
	 * @return this control
	 */
	public ConnectionControl resetRecoveries() {
		return apply("reset recoveries", this.record.counters::resetAttempts);
	}

	/**
	 * Resets to zero the count of failed calls of the recovery function in a row (H17).
	 * @return this control
	 */
	public ConnectionControl resetConsecutiveFailures() {
		return apply("reset consecutive failures", this.record.counters::resetConsecutiveFailures);
	}

	/**
	 * Makes the next calls fail as if the connection's server had died, to test its
	 * recovery function against the real server (the test kit {@code io.hacover.test}
	 * uses it). The resource in use is cut: every call on it fails with a
	 * {@link StaleConnectionException} and starts a recovery that calls the connection's
	 * recovery function with the real resource, still open, as the failed one. Each
	 * resource the recoveries install is cut in turn until {@code count} resources were
	 * cut, so {@code count} outages give {@code count} recoveries; a call re-issued on a
	 * cut resource counts toward the connection's bound on re-issues (H13).
	 * <p>
	 * Calls of a connection with no fault injected are not slowed at all: the cut is a
	 * stand-in put in place of the resource, on the path every recovery takes.
	 * @param count how many resources to cut in a row, at least 1
	 * @return the fault, which tells the resource that was cut
	 * @throws IllegalStateException if the connection is not attached, has a fault that
	 * is not ended, or its classifier does not take a {@link StaleConnectionException}
	 * for stale
	 * @see InjectedFault
	 */
	public InjectedFault injectFailures(int count) {
		if (count < 1) {
			throw new IllegalArgumentException(
					"connection '" + this.record.name + "': inject at least 1 failure, not " + count);
		}
		return this.record.locked("inject a fault", () -> this.record.inject(count, false));
	}

	/**
	 * Takes the connection's server as down until the returned fault is
	 * {@linkplain InjectedFault#end() ended}, to test its recovery function against the
	 * real server (the test kit {@code io.hacover.test} uses it). The resource in use is
	 * cut as by {@link #injectFailures(int)}, and each recovery attempt fails with a
	 * {@link StaleConnectionException} without calling the recovery function, counted and
	 * told as a failed attempt, so that a recovery gives up at the end of its budget
	 * (H11, H12). Once ended, the next attempt calls the recovery function.
	 * @return the fault, to end the outage
	 * @throws IllegalStateException if the connection is not attached, has a fault that
	 * is not ended, or its classifier does not take a {@link StaleConnectionException}
	 * for stale
	 */
	public InjectedFault injectOutage() {
		return this.record.locked("inject a fault", () -> this.record.inject(1, true));
	}

	/**
	 * Returns the connection's recovery function.
	 * @return the recovery function
	 */
	public RecoveryFunction<?> recovery() {
		return this.record.recovery();
	}

	/**
	 * Returns the connection's settings: its recovery policy, with the budget of one
	 * recovery, its retransmit policy and bounds (H12 to H16).
	 * @return the settings
	 */
	public ConnectionSettings settings() {
		return this.record.settings();
	}

	/**
	 * Returns a snapshot of the connection's state and counters (H18).
	 * @return the snapshot
	 */
	public ConnectionInfo info() {
		return this.record.info();
	}

	private void requireLimit(long max, String key) {
		if (max < -1) {
			throw new IllegalArgumentException("connection '" + this.record.name + "': " + key
					+ " must be -1 (no limit) " + "or more, not " + max);
		}
	}

	private ConnectionControl apply(String operation, Runnable change) {
		return apply(operation, change, null);
	}

	private ConnectionControl apply(String operation, Runnable change, HaEvent.Kind kind) {
		this.record.locked(operation, () -> {
			this.record.requireAttached(operation);
			change.run();
			return null;
		});
		if (kind != null) {
			this.record.publish(kind);
		}
		return this;
	}

}
