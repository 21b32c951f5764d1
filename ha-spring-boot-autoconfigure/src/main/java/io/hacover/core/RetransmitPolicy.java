package io.hacover.core;

/**
 * Whether an operation that failed stale is issued again once the connection is recovered
 * (H14). Methods marked {@link Idempotent} are always re-issued.
 */
public enum RetransmitPolicy {

	/**
	 * Re-issue every failed operation: at-least-once, the C library's behaviour.
	 */
	ALWAYS,

	/**
	 * Re-issue only operations marked {@link Idempotent}; for the others, recover the
	 * connection and throw {@link OutcomeUnknownException}.
	 */
	SAFE,

	/**
	 * Recover the connection, then throw {@link OutcomeUnknownException} instead of
	 * re-issuing.
	 */
	NEVER

}
