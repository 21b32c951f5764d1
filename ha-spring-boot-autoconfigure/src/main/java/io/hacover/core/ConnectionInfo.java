package io.hacover.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one HA connection's record: state, limits and counters (H18).
 * <p>
 * Recoveries and attempts are counted apart (H36): a recovery is one run of the recovery
 * function's attempts after a stale error (one per outage), and ends recovered or given
 * up; an attempt is one call of the recovery function. The limits bound attempts, as the
 * C library's {@code ha_connection_ctrl} does (H15, H16). An interrupted recovery counts
 * in neither (H31).
 *
 * @param name the connection's name
 * @param kind what kind of connection it is ({@code jdbc}, {@code channel}, {@code http},
 * {@code socket} or {@code client})
 * @param type the interface the connection implements
 * @param recovery what recovers it, as {@link RecoveryFunction#description()} says
 * @param state the current state
 * @param references how many open duplicates share the record (H25)
 * @param recoveriesSucceeded recoveries that returned a resource
 * @param recoveriesFailed recoveries that gave up
 * @param attempts calls of the recovery function, the count that {@link #maxRecoveries()}
 * limits
 * @param attemptsFailed calls of the recovery function that failed or returned
 * {@code null}
 * @param retransmissions operations issued again after a recovery
 * @param consecutiveFailures failed calls of the recovery function since the last
 * success, the count that {@link #maxConsecutiveFailures()} limits
 * @param maxRecoveries the limit on calls of the recovery function, -1 for none (H15)
 * @param maxConsecutiveFailures the limit on failed calls in a row, -1 for none (H16)
 * @param lastFailure the last stale error that started a recovery, or {@code null}
 * @param lastRecovery the last successful recovery, or {@code null}
 * @param peer the server the connection is on now, as its cover tells (for JDBC: host,
 * port, role and timeline), in order; empty when it does not tell
 */
public record ConnectionInfo(String name, String kind, Class<?> type, String recovery, ConnectionState state,
		int references, long recoveriesSucceeded, long recoveriesFailed, long attempts, long attemptsFailed,
		long retransmissions, long consecutiveFailures, long maxRecoveries, long maxConsecutiveFailures,
		Failure lastFailure, Recovery lastRecovery, Map<String, Object> peer) {

	/**
	 * Keeps an unmodifiable copy of the peer, in its order.
	 */
	public ConnectionInfo {
		peer = (peer == null || peer.isEmpty()) ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(peer));
	}

	/**
	 * Returns the number of recoveries that ended, recovered or given up.
	 * @return succeeded plus failed recoveries
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
