package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;

/**
 * Issues a statement again, after a recovery, inside a read-only transaction that the
 * server enforces (J2): a statement that only reads runs and the caller sees only its
 * result; one that writes (a function with side effects, {@code EXPLAIN ANALYZE} of a
 * write, several statements in one string, {@code nextval}) is refused by the server
 * ({@code 25006}) instead of running twice, and the caller gets {@code 40003}, since its
 * first run may have reached the server. No guess is made from the statement's text.
 * <p>
 * Only statements that failed outside a transaction come here (J1), on a connection in
 * auto-commit mode ({@link HaDataSource} issues a statement that failed with auto-commit
 * off again as it is, since the server rolled its transaction back).
 */
final class ReadOnlyReissue {

	private static final String READ_ONLY_SQL_TRANSACTION = "25006";

	private ReadOnlyReissue() {
	}

	/**
	 * Runs the statement inside {@code BEGIN READ ONLY} ... {@code COMMIT}.
	 * @param physical the fresh physical connection
	 * @param statement issues the statement on it
	 * @return what the statement returned
	 * @throws SQLException {@code 40003} when the statement writes; otherwise what the
	 * statement or the transaction threw
	 */
	static Object run(Connection physical, Execution statement) throws SQLException {
		try (Statement transaction = physical.createStatement()) {
			transaction.execute("BEGIN READ ONLY");
			Object result;
			try {
				result = statement.run();
			}
			catch (SQLException | RuntimeException ex) {
				rollbackQuietly(transaction);
				if (ex instanceof SQLException sql && READ_ONLY_SQL_TRANSACTION.equals(sql.getSQLState())) {
					throw outcomeUnknown("the statement writes, and may have run once before the connection failed",
							sql);
				}
				throw ex;
			}
			transaction.execute("COMMIT");
			return result;
		}
	}

	private static SQLTransactionRollbackException outcomeUnknown(String why, SQLException cause) {
		return new SQLTransactionRollbackException("the connection failed and was recovered, but the statement was not "
				+ "run again: " + why + "; its outcome is unknown: check, then run it again if needed", "40003", cause);
	}

	private static void rollbackQuietly(Statement transaction) {
		try {
			transaction.execute("ROLLBACK");
		}
		catch (SQLException ex) {
			// The connection is failing again: the engine deals with it.
		}
	}

	/**
	 * Issues the statement.
	 */
	@FunctionalInterface
	interface Execution {

		Object run() throws SQLException;

	}

}
