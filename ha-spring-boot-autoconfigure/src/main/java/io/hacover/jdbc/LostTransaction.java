package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What an HA JDBC connection allows after a transaction was lost with a failed connection
 * (J1): as PostgreSQL does in an aborted transaction, every statement fails until the
 * application ends the transaction. A rollback ends it quietly; a commit ends it with the
 * "rolled back" error, since nothing of it was committed. So a transaction begun in SQL
 * never goes on in auto-commit on the fresh session, and its commit never reports success
 * with part of its work missing.
 */
final class LostTransaction {

	private LostTransaction() {
	}

	/**
	 * Checks an operation on a session whose HA connection lost a transaction.
	 * @param journal the HA connection's journal
	 * @param method the operation
	 * @param arguments its arguments
	 * @return {@code true} when the operation is answered here: {@code rollback()}, since
	 * the transaction died with the failed session and the fresh one has nothing to roll
	 * back
	 * @throws SQLException when the operation may not run
	 */
	static boolean answer(SessionJournal journal, Method method, Object[] arguments) throws SQLException {
		String ending = ending(method, arguments);
		if (ending == null) {
			return false;
		}
		switch (ending) {
			case "rollback", "close" -> {
				journal.endLostTransaction();
				return method.getDeclaringClass() == Connection.class && method.getName().equals("rollback");
			}
			case "commit" -> {
				journal.endLostTransaction();
				throw new TransactionRolledBackException("the transaction was rolled back by the server when the "
						+ "connection failed, so nothing of it was committed; run it again", "40000", null);
			}
			default -> throw new SQLException(
					"the transaction was rolled back by the server when the connection "
							+ "failed; statements are refused until it is ended: roll it back, then run it again",
					"25P02");
		}
	}

	/**
	 * Returns how the operation bears on the lost transaction: {@code rollback},
	 * {@code commit} or {@code close} when it ends it, {@code statement} when it runs SQL
	 * inside it, or {@code null} when it does neither.
	 */
	private static String ending(Method method, Object[] arguments) {
		if (method.getDeclaringClass() == StatementHost.class) {
			if (arguments.length == 0 || !(arguments[0] instanceof StatementHost.StatementCall call)
					|| !call.executes()) {
				return null;
			}
			String end = SessionSql.transactionEnd(call.statement().sqlOf(call.operation(), call.arguments()));
			return (end != null) ? end : "statement";
		}
		if (method.getDeclaringClass() != Connection.class) {
			return null;
		}
		return switch (method.getName()) {
			case "rollback", "commit", "close" -> method.getName();
			default -> null;
		};
	}

}
