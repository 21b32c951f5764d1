package io.hacover.core;

/**
 * The control operations of one HA connection (the C library's {@code ha_control}):
 * limits, suspend and enable, counter resets (H15 to H17).
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
	 * Limits the total number of calls of the recovery function, successful or not (H15).
	 * Once reached, stale errors reach the caller.
	 * @param max the limit, -1 for none, 0 to disable recovery
	 * @return this control
	 */
	public ConnectionControl limitRecoveries(long max) {
		requireLimit(max, "max-recoveries");
		return apply("limit recoveries", () -> this.record.limitRecoveries(max));
	}

	/**
	 * Limits the number of failed calls of the recovery function in a row (H16); a
	 * successful recovery resets the count.
	 * @param max the limit, -1 for none
	 * @return this control
	 */
	public ConnectionControl limitConsecutiveFailures(long max) {
		requireLimit(max, "max-consecutive-failures");
		return apply("limit consecutive failures", () -> this.record.limitConsecutiveFailures(max));
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
	 * Resets to zero the count of recoveries (succeeded and failed) that
	 * {@link #limitRecoveries(long)} limits (H17).
	 * @return this control
	 */
	public ConnectionControl resetRecoveries() {
		return apply("reset recoveries", this.record::resetRecoveries);
	}

	/**
	 * Resets to zero the count of consecutive failed recoveries (H17).
	 * @return this control
	 */
	public ConnectionControl resetConsecutiveFailures() {
		return apply("reset consecutive failures", this.record::resetConsecutiveFailures);
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
