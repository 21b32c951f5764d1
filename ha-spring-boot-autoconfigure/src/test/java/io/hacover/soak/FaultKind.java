package io.hacover.soak;

/**
 * The kinds of fault a {@link Schedule} injects into a {@link ChaosSoak}.
 */
enum FaultKind {

	/** A clean shutdown ({@code pg_ctl stop -m fast}), then a start on the same port. */
	FAST_STOP("fast stop"),

	/** {@code pg_ctl stop -m immediate}, then a start (crash recovery). */
	IMMEDIATE_STOP("immediate stop"),

	/** SIGKILL of the postmaster and all its processes, then a start (crash recovery). */
	POSTMASTER_SIGKILL("SIGKILL of the postmaster"),

	/** {@code pg_terminate_backend} of one client backend. */
	TERMINATE_BACKEND("pg_terminate_backend"),

	/** The relay cuts a connection before a statement reaches the server. */
	CUT_BEFORE_SEND("cut before the server"),

	/** The relay lets a statement reach the server, then cuts before the reply. */
	CUT_AFTER_SERVER_RECEIVES("cut after the server received"),

	/** Every byte in both directions dropped for a while, connections kept open. */
	BLACK_HOLE("black hole"),

	/** Every chunk in both directions delayed for a while. */
	LATENCY("latency");

	private final String description;

	FaultKind(String description) {
		this.description = description;
	}

	/**
	 * Returns how the table names this kind.
	 * @return the description
	 */
	String description() {
		return this.description;
	}

	/**
	 * Returns whether a fault of this kind lasts a while and is then healed.
	 * @return whether it holds
	 */
	boolean holds() {
		return this == BLACK_HOLE || this == LATENCY;
	}

}
