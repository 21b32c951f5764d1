package io.hacover.jdbc;

import java.sql.SQLTransientConnectionException;

/**
 * Whether a transaction was committed is unknown (SQLState {@code 08007}, transaction
 * resolution unknown): its connection failed during the commit, was recovered, and the
 * server could not say for sure what became of the transaction (J4, J5), for example
 * because it restarted or failed over in the meantime. The connection itself works.
 * <p>
 * Never retry the transaction blindly on this error: it may have been committed. Check
 * its effects first (or make it idempotent, for example with a unique key the retry would
 * violate).
 */
public class CommitOutcomeUnknownException extends SQLTransientConnectionException {

	private static final long serialVersionUID = 1L;

	/**
	 * Makes the exception.
	 * @param reason what happened, and why the outcome is unknown
	 * @param cause the stale error
	 */
	public CommitOutcomeUnknownException(String reason, Throwable cause) {
		super(reason, "08007", cause);
	}

}
