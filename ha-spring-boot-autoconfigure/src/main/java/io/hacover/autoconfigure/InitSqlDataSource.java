package io.hacover.autoconfigure;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * Runs a pool's {@code connection-init-sql} on every physical connection it opens, those
 * a recovery opens included, instead of the pool, which runs it only on the connections
 * it makes itself (J6). It runs on the driver's connection, before the HA connection sees
 * it, so it is neither journaled nor taken for session state set by the application.
 */
final class InitSqlDataSource implements DataSource {

	private final DataSource target;

	private final String initSql;

	InitSqlDataSource(DataSource target, String initSql) {
		this.target = target;
		this.initSql = initSql;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return initialized(this.target.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return initialized(this.target.getConnection(username, password));
	}

	private Connection initialized(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(this.initSql);
			return connection;
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
	}

	@Override
	public PrintWriter getLogWriter() throws SQLException {
		return this.target.getLogWriter();
	}

	@Override
	public void setLogWriter(PrintWriter out) throws SQLException {
		this.target.setLogWriter(out);
	}

	@Override
	public void setLoginTimeout(int seconds) throws SQLException {
		this.target.setLoginTimeout(seconds);
	}

	@Override
	public int getLoginTimeout() throws SQLException {
		return this.target.getLoginTimeout();
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		return this.target.getParentLogger();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		return type.isInstance(this.target) ? type.cast(this.target) : this.target.unwrap(type);
	}

	@Override
	public boolean isWrapperFor(Class<?> type) throws SQLException {
		return type.isInstance(this.target) || this.target.isWrapperFor(type);
	}

}
