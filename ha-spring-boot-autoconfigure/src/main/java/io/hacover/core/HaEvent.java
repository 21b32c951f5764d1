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
 * @param duration how long the recovery took, for {@link Kind#RECOVERED},
 * {@link Kind#GAVE_UP} and {@link Kind#INTERRUPTED}; {@link Duration#ZERO} otherwise
 */
public record HaEvent(Kind kind, String connection, Instant time, int attempt, Throwable cause, Duration duration) {

	static HaEvent of(Kind kind, String connection) {
		return new HaEvent(kind, connection, Instant.now(), 0, null, Duration.ZERO);
	}

	/**
	 * Returns the cause as text ({@code toString()}) with credentials masked: the user
	 * information of URLs, values of keys such as {@code password=} and {@code token=},
	 * and {@code Bearer} or {@code Basic} credentials. The text to show or log instead of
	 * the cause's own message.
	 * @return the masked text, or {@code null} if the event has no cause
	 */
	public String maskedCause() {
		return (this.cause != null) ? CredentialMasker.mask(this.cause.toString()) : null;
	}

	/**
	 * Returns the event with the cause's text masked ({@link #maskedCause()}), so that
	 * logging an event never shows a password or token.
	 * @return the event as text
	 */
	@Override
	public String toString() {
		return "HaEvent[kind=" + this.kind + ", connection=" + this.connection + ", time=" + this.time + ", attempt="
				+ this.attempt + ", cause=" + maskedCause() + ", duration=" + this.duration + "]";
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
		 * A call of the recovery function failed; {@link HaEvent#cause()} is its failure,
		 * or {@code null} when the function gave up by returning {@code null}. Each one
		 * counts in {@link ConnectionInfo#attemptsFailed()}; an interrupted call is none
		 * (H31).
		 */
		ATTEMPT_FAILED,

		/**
		 * A recovery returned a new resource, published once the new resource is
		 * installed and the recovery has ended. Each one counts in
		 * {@link ConnectionInfo#recoveriesSucceeded()}.
		 */
		RECOVERED,

		/**
		 * A recovery gave up, published once it has ended; {@link HaEvent#cause()} is the
		 * stale error, with the reason attached as suppressed. Each one counts in
		 * {@link ConnectionInfo#recoveriesFailed()}.
		 */
		GAVE_UP,

		/**
		 * A recovery ended because its thread was interrupted; nothing was counted (H23,
		 * H31). Every {@link #RECOVERY_STARTED} is followed by exactly one of
		 * {@link #RECOVERED}, {@link #GAVE_UP} or {@code INTERRUPTED}, on the same
		 * thread.
		 */
		INTERRUPTED,

		/**
		 * An operation was issued again after a recovery.
		 */
		RETRANSMITTED,

		/**
		 * A transaction interrupted by a failure was replayed on the recovered
		 * connection, came out the same, and went on (JDBC, J7); reported by the cover
		 * ({@link HaConnections#report}).
		 */
		REPLAYED,

		/**
		 * A transaction interrupted by a failure could not be replayed, or its replay
		 * came out otherwise, and was rolled back (JDBC, J7); {@link HaEvent#cause()} is
		 * the error the application got, which says why.
		 */
		REPLAY_ROLLED_BACK,

		/**
		 * A connection to a server was refused before any use, because the server is not
		 * one the connection may use: another cluster, or an older timeline than already
		 * seen after a failover (JDBC, J9); {@link HaEvent#cause()} says which.
		 */
		FENCED

	}

}
