package io.hacover.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.springframework.util.Assert;

/**
 * A data source that opens a physical connection through {@link DriverManager} for every
 * {@link #getConnection()}: the target of a data source declared with
 * {@code ha.connections.<name>.kind: jdbc}. The password is kept for connecting and never
 * shown.
 * <p>
 * Connections to PostgreSQL get {@linkplain PostgresDeadPeerDetection dead-peer
 * detection}: TCP keepalive tuned per socket, a connect and a login timeout, each unless
 * the URL sets it (H35).
 */
final class DriverDataSource implements DataSource {

	private final String url;

	private final Properties properties;

	private final PostgresDeadPeerDetection detection;

	private int loginTimeout;

	/**
	 * Creates a data source.
	 * @param url the JDBC URL
	 * @param username the user, or {@code null}
	 * @param password the password, or {@code null}
	 * @param detection the dead-peer detection of connections to PostgreSQL
	 */
	DriverDataSource(String url, String username, String password, PostgresDeadPeerDetection detection) {
		Assert.isTrue(url != null && url.startsWith("jdbc:"), "'url' must be a JDBC URL");
		Assert.notNull(detection, "'detection' must not be null");
		this.url = url;
		this.detection = detection;
		this.properties = detection.applyTo(url, credentials(username, password));
	}

	@Override
	public Connection getConnection() throws SQLException {
		return DriverManager.getConnection(this.url, this.properties);
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return DriverManager.getConnection(this.url, this.detection.applyTo(this.url, credentials(username, password)));
	}

	private static Properties credentials(String username, String password) {
		Properties credentials = new Properties();
		if (username != null) {
			credentials.setProperty("user", username);
		}
		if (password != null) {
			credentials.setProperty("password", password);
		}
		return credentials;
	}

	@Override
	public PrintWriter getLogWriter() {
		return null;
	}

	@Override
	public void setLogWriter(PrintWriter out) {
	}

	@Override
	public void setLoginTimeout(int seconds) {
		this.loginTimeout = seconds;
	}

	@Override
	public int getLoginTimeout() {
		return this.loginTimeout;
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		throw new SQLFeatureNotSupportedException();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		if (type.isInstance(this)) {
			return type.cast(this);
		}
		throw new SQLException("not a wrapper for " + type.getName());
	}

	@Override
	public boolean isWrapperFor(Class<?> type) {
		return type.isInstance(this);
	}

	@Override
	public String toString() {
		int query = this.url.indexOf('?');
		return "DriverDataSource[" + ((query >= 0) ? this.url.substring(0, query) : this.url) + "]";
	}

}
