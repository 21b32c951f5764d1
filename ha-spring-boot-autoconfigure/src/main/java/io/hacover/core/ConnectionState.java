package io.hacover.core;

/**
 * The state of an HA connection's record (H18).
 */
public enum ConnectionState {

	/**
	 * HA-aware and working: a stale error starts a recovery.
	 */
	ATTACHED,

	/**
	 * A recovery is running; other callers wait for it (H19).
	 */
	RECOVERING,

	/**
	 * Recovery is suspended: the connection acts as a plain one (H17).
	 */
	SUSPENDED,

	/**
	 * The last recovery gave up or a limit stopped it; the next stale error tries again
	 * unless a limit is still reached (H15, H16).
	 */
	FAILED,

	/**
	 * Detached: the connection acts as a plain one until attached again (H5).
	 */
	DETACHED,

	/**
	 * Closed: the resource is closed and the connection left the table (H7).
	 */
	CLOSED

}
