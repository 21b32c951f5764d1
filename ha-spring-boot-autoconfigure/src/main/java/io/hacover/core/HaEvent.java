package io.hacover.core;

import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened to an HA connection, as told to every {@link HaListener}.
 *
 * @param kind what happened
 * @param connection the connection's name
 * @param time when it happened
 * @param attempt the attempt number, for recovery events; 0 otherwise
 * @param cause the stale error, or the failure of a recovery attempt; {@code null} if
 * none
 * @param duration how long the recovery took, for {@link Kind#RECOVERED} and
 * {@link Kind#GAVE_UP}; {@link Duration#ZERO} otherwise
 */
public record HaEvent(Kind kind, String connection, Instant time, int attempt, Throwable cause, Duration duration) {

	static HaEvent of(Kind kind, String connection) {
		return new HaEvent(kind, connection, Instant.now(), 0, null, Duration.ZERO);
	}

	/**
	 * What happened.
	 */
	public enum Kind {

		/**
		 * A connection was attached, opened or attached again after a detach; duplicating
		 * one is no event.
		 */
		ATTACHED,

		/**
		 * The recovery function and handle of a connection were replaced (H3).
		 */
		REPLACED,

		/**
		 * A connection was detached (H5).
		 */
		DETACHED,

		/**
		 * The last duplicate of a connection was closed (H7).
		 */
		CLOSED,

		/**
		 * Recovery of a connection was suspended (H17).
		 */
		SUSPENDED,

		/**
		 * Recovery of a suspended connection was enabled again (H17).
		 */
		ENABLED,

		/**
		 * A stale error started a recovery; {@link HaEvent#cause()} is the stale error.
		 */
		RECOVERY_STARTED,

		/**
		 * A call of the recovery function failed; {@link HaEvent#cause()} is its failure.
		 */
		ATTEMPT_FAILED,

		/**
		 * A recovery returned a new resource.
		 */
		RECOVERED,

		/**
		 * A recovery gave up; {@link HaEvent#cause()} is the stale error, with the reason
		 * attached as suppressed.
		 */
		GAVE_UP,

		/**
		 * An operation was issued again after a recovery.
		 */
		RETRANSMITTED

	}

}
