package io.hacover.jdbc;

import java.sql.SQLTransactionRollbackException;

/**
 * The transaction was rolled back when its connection failed, and nothing of it was
 * committed: it is safe to run the whole transaction again (J1, J4). An HA JDBC
 * connection throws it when a statement inside a transaction failed stale (SQLState
 * {@code 40003}: that statement's completion is unknown, but the server rolled back the
 * transaction around it), and when the outcome of a commit whose reply was lost was asked
 * of the server and found rolled back, or the commit never left the client (SQLState
 * {@code 40000}). Spring translates it to a transient exception; retry on this type, for
 * example {@code @Retryable(includes = TransactionRolledBackException.class)}, never on
 * {@code 08007} (the commit's outcome is unknown) nor on a bare {@code 40003} outside a
 * transaction (the statement may have run once).
 */
public class TransactionRolledBackException extends SQLTransactionRollbackException {

	private static final long serialVersionUID = 1L;

	/**
	 * Makes the exception.
	 * @param reason what happened
	 * @param sqlState {@code 40003} or {@code 40000}
	 * @param cause the stale error, or {@code null}
	 */
	public TransactionRolledBackException(String reason, String sqlState, Throwable cause) {
		super(reason, sqlState, cause);
	}

}
