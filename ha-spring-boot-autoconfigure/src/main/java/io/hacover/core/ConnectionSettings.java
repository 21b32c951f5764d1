package io.hacover.core;

import org.springframework.util.Assert;

/**
 * The settings of one HA connection: how recoveries are spaced, what is re-issued, and
 * the limits (H12 to H16).
 *
 * @param policy how the attempts of one recovery are spaced (H12)
 * @param retransmit whether a failed operation is issued again after a recovery (H14)
 * @param maxRetransmissions how many times one call is re-issued after recoveries before
 * its stale error reaches the caller (H13)
 * @param maxRecoveries how many times in total the recovery function may be called; -1
 * for no limit, 0 to disable recovery (H15)
 * @param maxConsecutiveFailures how many failed calls of the recovery function in a row
 * are allowed; -1 for no limit (H16)
 */
public record ConnectionSettings(RecoveryPolicy policy, RetransmitPolicy retransmit, int maxRetransmissions,
		long maxRecoveries, long maxConsecutiveFailures) {

	/**
	 * Validates the settings.
	 * @param policy how the attempts of one recovery are spaced
	 * @param retransmit whether a failed operation is issued again
	 * @param maxRetransmissions re-issues of one call, at least 0
	 * @param maxRecoveries total recovery calls, -1 for no limit
	 * @param maxConsecutiveFailures failed recovery calls in a row, -1 for no limit
	 */
	public ConnectionSettings {
		Assert.notNull(policy, "'policy' must not be null");
		Assert.notNull(retransmit, "'retransmit' must not be null");
		Assert.isTrue(maxRetransmissions >= 0, "'maxRetransmissions' must not be negative");
		Assert.isTrue(maxRecoveries >= -1, "'maxRecoveries' must be -1 (no limit) or more");
		Assert.isTrue(maxConsecutiveFailures >= -1, "'maxConsecutiveFailures' must be -1 (no limit) or more");
	}

	/**
	 * Returns the defaults: {@link RecoveryPolicy#defaults()},
	 * {@link RetransmitPolicy#ALWAYS}, 3 re-issues per call, no limits.
	 * @return the default settings
	 */
	public static ConnectionSettings defaults() {
		return new ConnectionSettings(RecoveryPolicy.defaults(), RetransmitPolicy.ALWAYS, 3, -1, -1);
	}

	/**
	 * Returns a copy with another recovery policy.
	 * @param policy the policy
	 * @return the new settings
	 */
	public ConnectionSettings withPolicy(RecoveryPolicy policy) {
		return new ConnectionSettings(policy, this.retransmit, this.maxRetransmissions, this.maxRecoveries,
				this.maxConsecutiveFailures);
	}

	/**
	 * Returns a copy with another retransmit policy.
	 * @param retransmit the retransmit policy
	 * @return the new settings
	 */
	public ConnectionSettings withRetransmit(RetransmitPolicy retransmit) {
		return new ConnectionSettings(this.policy, retransmit, this.maxRetransmissions, this.maxRecoveries,
				this.maxConsecutiveFailures);
	}

	/**
	 * Returns a copy with other limits.
	 * @param maxRecoveries total recovery calls, -1 for no limit
	 * @param maxConsecutiveFailures failed recovery calls in a row, -1 for no limit
	 * @return the new settings
	 */
	public ConnectionSettings withLimits(long maxRecoveries, long maxConsecutiveFailures) {
		return new ConnectionSettings(this.policy, this.retransmit, this.maxRetransmissions, maxRecoveries,
				maxConsecutiveFailures);
	}

	/**
	 * Returns a copy with another limit on the calls of the recovery function in total
	 * (H15).
	 * @param maxRecoveries total recovery calls, -1 for no limit, 0 to disable recovery
	 * @return the new settings
	 */
	public ConnectionSettings withMaxRecoveries(long maxRecoveries) {
		return withLimits(maxRecoveries, this.maxConsecutiveFailures);
	}

	/**
	 * Returns a copy with another limit on the failed calls of the recovery function in a
	 * row (H16).
	 * @param maxConsecutiveFailures failed recovery calls in a row, -1 for no limit
	 * @return the new settings
	 */
	public ConnectionSettings withMaxConsecutiveFailures(long maxConsecutiveFailures) {
		return withLimits(this.maxRecoveries, maxConsecutiveFailures);
	}

	/**
	 * Returns a copy with another bound on re-issues per call.
	 * @param maxRetransmissions re-issues of one call
	 * @return the new settings
	 */
	public ConnectionSettings withMaxRetransmissions(int maxRetransmissions) {
		return new ConnectionSettings(this.policy, this.retransmit, maxRetransmissions, this.maxRecoveries,
				this.maxConsecutiveFailures);
	}

}
