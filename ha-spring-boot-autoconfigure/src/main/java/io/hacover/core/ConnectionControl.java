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
