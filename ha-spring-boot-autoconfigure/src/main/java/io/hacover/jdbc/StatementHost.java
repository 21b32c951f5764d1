package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.List;

/**
 * What an HA JDBC connection offers its statement and metadata covers besides
 * {@link java.sql.Connection}: running their operations on whatever physical connection
 * is current, so that the engine recovers the connection, and decides re-issue, as for
 * any other operation on it. Each operation travels as one typed argument, which the
 * decisions of {@link HaDataSource} read as such.
 */
interface StatementHost {

	/**
	 * Runs a statement operation on the current physical connection, preparing the
	 * statement there again first if it was made on an earlier one.
	 * @param call the statement, its operation and arguments
	 * @return what the physical statement returned
	 * @throws SQLException what the physical statement threw
	 */
	Object run(StatementCall call) throws SQLException;

	/**
	 * Runs a {@link java.sql.DatabaseMetaData} operation on the current physical
	 * connection's metadata.
	 * @param call the metadata operation and its arguments
	 * @return what the physical metadata returned
	 * @throws SQLException what it threw
	 */
	Object metaData(MetaDataCall call) throws SQLException;

	/**
	 * Checks that this session's physical connection still works, and fails stale if it
	 * does not, so that the engine recovers the HA connection and replays its transaction
	 * (J7): for a result set whose read failed stale.
	 * @throws SQLException a stale error when the connection failed
	 */
	void resume() throws SQLException;

	/**
	 * Returns whether this session's physical connection is inside a transaction, as the
	 * server last reported it (J1); readable after the connection failed.
	 * @return the status
	 */
	TransactionStatus transactionStatus();

	/**
	 * Returns what this session knows of its last commit, to find out its outcome when
	 * its reply was lost (J4).
	 * @return the commit outcome of this session's physical connection
	 */
	CommitOutcome commitOutcome();

	/**
	 * An operation on a statement cover.
	 */
	final class StatementCall {

		private final StatementCover statement;

		private Method operation;

		private Object[] arguments;

		private final List<SessionJournal.Call> parameters;

		private volatile boolean readOnly;

		/**
		 * Makes the call object of a statement cover, which {@link #of} sets for each
		 * operation.
		 * @param statement the statement cover
		 */
		StatementCall(StatementCover statement) {
			this(statement, null, null, null);
		}

		/**
		 * Makes the call of a replayed operation (J7).
		 * @param statement the statement cover
		 * @param operation the {@link java.sql.Statement} (or sub-interface) method
		 * @param arguments its arguments, never {@code null}
		 * @param parameters the parameters it ran with, set first; {@code null} for the
		 * statement's own
		 */
		StatementCall(StatementCover statement, Method operation, Object[] arguments,
				List<SessionJournal.Call> parameters) {
			this.statement = statement;
			this.operation = operation;
			this.arguments = arguments;
			this.parameters = parameters;
		}

		/**
		 * Sets this call to the next operation of its statement.
		 * @param operation the {@link java.sql.Statement} (or sub-interface) method
		 * @param arguments its arguments, never {@code null}
		 * @return this call
		 */
		StatementCall of(Method operation, Object[] arguments) {
			this.operation = operation;
			this.arguments = arguments;
			this.readOnly = false;
			return this;
		}

		/**
		 * Returns the parameters a replayed operation runs with.
		 * @return the parameters, or {@code null} for the statement's own
		 */
		List<SessionJournal.Call> parameters() {
			return this.parameters;
		}

		StatementCover statement() {
			return this.statement;
		}

		Method operation() {
			return this.operation;
		}

		Object[] arguments() {
			return this.arguments;
		}

		/**
		 * Returns whether the operation runs SQL ({@code execute...}).
		 * @return {@code true} for an execution
		 */
		boolean executes() {
			return this.operation.getName().startsWith("execute");
		}

		/**
		 * Returns what an execution that ran and made no result set returns, for one
		 * whose success was found out after its reply was lost (J4).
		 * @param operation the execution
		 * @return {@code false}, {@code 0} or {@code null}, as the operation's type has
		 * it
		 */
		static Object noResult(Method operation) {
			Class<?> type = operation.getReturnType();
			if (type == boolean.class) {
				return false;
			}
			if (type == int.class) {
				return 0;
			}
			if (type == long.class) {
				return 0L;
			}
			return null;
		}

		/**
		 * Returns whether this execution is a {@code COMMIT} sent as SQL (J4).
		 * @return {@code true} for {@code COMMIT} or {@code END}
		 */
		boolean commits() {
			return executes()
					&& "commit".equals(SessionSql.transactionEnd(this.statement.sqlOf(this.operation, this.arguments)));
		}

		/**
		 * Asks that this execution, issued again after a recovery, run inside a read-only
		 * transaction, so that the server refuses it if it writes (J2). Batches are never
		 * issued again (J8).
		 * @return {@code false} for a batch, which may not be issued again
		 */
		boolean reissueReadOnly() {
			if (StatementCover.isBatchExecution(this.operation)) {
				return false;
			}
			this.readOnly = true;
			return true;
		}

		/**
		 * Returns whether this execution is to run inside a read-only transaction.
		 * @return {@code true} once {@link #reissueReadOnly()} was asked
		 */
		boolean readOnly() {
			return this.readOnly;
		}

	}

	/**
	 * An operation on the metadata cover.
	 *
	 * @param operation the {@link java.sql.DatabaseMetaData} method
	 * @param arguments its arguments, never {@code null}
	 */
	record MetaDataCall(Method operation, Object[] arguments) {

	}

}
