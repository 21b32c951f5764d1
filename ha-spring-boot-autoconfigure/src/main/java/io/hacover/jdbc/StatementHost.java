package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.SQLException;

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
	 * Returns whether this session's physical connection is inside a transaction, as the
	 * server last reported it (J1); readable after the connection failed.
	 * @return {@code true} inside a transaction, or when that is unsure
	 */
	boolean inTransaction();

	/**
	 * An operation on a statement cover.
	 *
	 * @param statement the statement cover
	 * @param operation the {@link java.sql.Statement} (or sub-interface) method
	 * @param arguments its arguments, never {@code null}
	 */
	record StatementCall(StatementCover statement, Method operation, Object[] arguments) {

		/**
		 * Returns whether the operation runs SQL ({@code execute...}).
		 * @return {@code true} for an execution
		 */
		boolean executes() {
			return this.operation.getName().startsWith("execute");
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
