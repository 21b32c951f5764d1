package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.SQLException;

/**
 * What an HA JDBC connection offers its statement covers besides
 * {@link java.sql.Connection}: running a statement operation on whatever physical
 * connection is current, so that the engine recovers the connection, and decides
 * re-issue, as for any other operation on it.
 */
interface StatementHost {

	/**
	 * Runs a statement operation on the current physical connection, preparing the
	 * statement there again first if it was made on an earlier one.
	 * @param cover the statement
	 * @param method the statement's method
	 * @param args its arguments
	 * @return what the physical statement returned
	 * @throws SQLException what the physical statement threw
	 */
	Object run(StatementCover cover, Method method, Object[] args) throws SQLException;

	/**
	 * Runs a {@link java.sql.DatabaseMetaData} operation on the current physical
	 * connection's metadata.
	 * @param method the metadata method
	 * @param args its arguments
	 * @return what the physical metadata returned
	 * @throws SQLException what it threw
	 */
	Object metaData(Method method, Object[] args) throws SQLException;

}
