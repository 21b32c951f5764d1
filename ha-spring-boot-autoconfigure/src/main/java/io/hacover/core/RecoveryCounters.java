package io.hacover.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters and limits of one record (H15 to H18, H36): recoveries (one per outage,
 * counted by outcome) apart from attempts (calls of the recovery function). The limits
 * bound attempts, as the C library's {@code ha_connection_ctrl} does: the total number of
 * calls (H15) and the failed calls in a row (H16). Thread-safe; read without a lock.
 */
final class RecoveryCounters {

	private final AtomicLong recoveriesSucceeded = new AtomicLong();

	private final AtomicLong recoveriesFailed = new AtomicLong();

	private final AtomicLong attempts = new AtomicLong();

	private final AtomicLong attemptsFailed = new AtomicLong();

	private final AtomicLong consecutiveFailures = new AtomicLong();

	private final AtomicLong retransmissions = new AtomicLong();

	private volatile long maxAttempts;

	private volatile long maxConsecutiveFailures;

	private volatile ConnectionInfo.Failure lastFailure;

	private volatile ConnectionInfo.Recovery lastRecovery;

	RecoveryCounters(long maxAttempts, long maxConsecutiveFailures) {
		this.maxAttempts = maxAttempts;
		this.maxConsecutiveFailures = maxConsecutiveFailures;
	}

	/**
	 * Returns why the limits allow no more attempt, or {@code null}.
	 * @return the refusal, or {@code null}
	 */
	String refusal() {
		long maxTotal = this.maxAttempts;
		if (maxTotal >= 0 && this.attempts.get() >= maxTotal) {
			return "the limit of " + maxTotal + " calls of the recovery function is reached; raise max-recoveries "
					+ "or reset the counters";
		}
		long maxInARow = this.maxConsecutiveFailures;
		if (maxInARow >= 0 && this.consecutiveFailures.get() >= maxInARow) {
			return "the limit of " + maxInARow + " failed calls of the recovery function in a row is reached; raise "
					+ "max-consecutive-failures or reset the counters";
		}
		return null;
	}

	void recoveryStarted(Throwable cause) {
		this.lastFailure = new ConnectionInfo.Failure(Instant.now(), cause.getClass().getName(),
				CredentialMasker.mask(cause.getMessage()));
	}

	void attemptFailed() {
		this.attempts.incrementAndGet();
		this.attemptsFailed.incrementAndGet();
		this.consecutiveFailures.incrementAndGet();
	}

	void recovered(Duration took) {
		this.attempts.incrementAndGet();
		this.consecutiveFailures.set(0);
		this.recoveriesSucceeded.incrementAndGet();
		this.lastRecovery = new ConnectionInfo.Recovery(Instant.now(), took);
	}

	void gaveUp() {
		this.recoveriesFailed.incrementAndGet();
	}

	void retransmitted() {
		this.retransmissions.incrementAndGet();
	}

	void limitAttempts(long max) {
		this.maxAttempts = max;
	}

	void limitConsecutiveFailures(long max) {
		this.maxConsecutiveFailures = max;
	}

	/**
	 * Resets what {@link #limitAttempts(long)} limits: attempts, and with them the
	 * recoveries (H17).
	 */
	void resetAttempts() {
		this.attempts.set(0);
		this.attemptsFailed.set(0);
		this.recoveriesSucceeded.set(0);
		this.recoveriesFailed.set(0);
	}

	void resetConsecutiveFailures() {
		this.consecutiveFailures.set(0);
	}

	/**
	 * Makes a snapshot of a connection with these counters.
	 */
	ConnectionInfo info(String name, String kind, Class<?> type, String recovery, ConnectionState state, int references,
			Map<String, Object> peer) {
		return new ConnectionInfo(name, kind, type, recovery, state, references, this.recoveriesSucceeded.get(),
				this.recoveriesFailed.get(), this.attempts.get(), this.attemptsFailed.get(), this.retransmissions.get(),
				this.consecutiveFailures.get(), this.maxAttempts, this.maxConsecutiveFailures, this.lastFailure,
				this.lastRecovery, peer);
	}

}
