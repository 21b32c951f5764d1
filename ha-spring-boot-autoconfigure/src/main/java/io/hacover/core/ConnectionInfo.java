package io.hacover.core;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one HA connection's record: state, limits and counters (H18).
 *
 * @param name the connection's name
 * @param kind what kind of connection it is ({@code jdbc}, {@code channel}, {@code http},
 * {@code socket} or {@code client})
 * @param type the interface the connection implements
 * @param recovery the recovery function in use
 * @param state the current state
 * @param references how many open duplicates share the record (H25)
 * @param recoveriesSucceeded calls of the recovery function that returned a resource
 * @param recoveriesFailed calls of the recovery function that failed or gave up
 * @param retransmissions operations issued again after a recovery
 * @param consecutiveFailures failed calls of the recovery function since the last success
 * @param maxRecoveries the limit on calls of the recovery function, -1 for none (H15)
 * @param maxConsecutiveFailures the limit on failed calls in a row, -1 for none (H16)
 * @param lastFailure the last stale error that started a recovery, or {@code null}
 * @param lastRecovery the last successful recovery, or {@code null}
 */
public record ConnectionInfo(String name, String kind, Class<?> type, RecoveryFunction<?> recovery,
		ConnectionState state, int references, long recoveriesSucceeded, long recoveriesFailed, long retransmissions,
		long consecutiveFailures, long maxRecoveries, long maxConsecutiveFailures, Failure lastFailure,
		Recovery lastRecovery) {

	/**
	 * Returns the number of calls of the recovery function, the count that
	 * {@link #maxRecoveries()} limits.
	 * @return succeeded plus failed
	 */
	public long recoveries() {
		return this.recoveriesSucceeded + this.recoveriesFailed;
	}

	/**
	 * A stale error that started a recovery.
	 *
	 * @param time when it was seen
	 * @param type the error's class name
	 * @param message the error's message, with credentials masked
	 * ({@link CredentialMasker#mask(String)})
	 */
	public record Failure(Instant time, String type, String message) {

	}

	/**
	 * A successful recovery.
	 *
	 * @param time when it ended
	 * @param duration how long it took, from the stale error to the new resource
	 */
	public record Recovery(Instant time, Duration duration) {

	}

}
