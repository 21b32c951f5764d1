package io.hacover.autoconfigure;

import java.util.Properties;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.DriverDataSource;
import io.hacover.jdbc.HaDataSource;
import io.hacover.jdbc.PostgresDeadPeerDetection;

/**
 * Makes the physical connections of a HikariCP pool HA connections, under the pool: the
 * pool then opens its connections through an {@code HaDataSource} over the driver, made
 * from the pool's own URL, driver class, data source properties and credentials.
 * <p>
 * Under the pool, each physical connection is one HA connection for its whole life in the
 * pool, so a borrow costs nothing more than HikariCP's own, and a recovery reconnects
 * that connection directly instead of waiting for the pool to refill. Measured with
 * {@code SELECT 1} on PostgreSQL (README, "Performance"): about HikariCP's own throughput
 * under the pool against 0.80 of it over the pool, and back 80 ms after a restarted
 * server accepts connections against 440 ms over the pool.
 * <p>
 * Connections to PostgreSQL get {@linkplain PostgresDeadPeerDetection dead-peer
 * detection} unless the pool's URL or data source properties set it otherwise (H35). The
 * pool's {@code connection-init-sql} moves to the physical connections, so that it runs
 * again on those a recovery opens (J6).
 */
final class HikariPhysicalConnections implements PhysicalConnections {

	/**
	 * Puts HA connections under the pool, if it is a HikariCP pool that has not started
	 * and opens its connections from a JDBC URL.
	 */
	@Override
	public boolean placeUnder(Object bean, UnaryOperator<DataSource> wrap, PostgresDeadPeerDetection detection) {
		if (!(bean instanceof HikariDataSource pool) || pool.isRunning() || pool.getDataSource() != null
				|| pool.getJdbcUrl() == null) {
			return false;
		}
		Properties properties = detection.applyTo(pool.getJdbcUrl(), pool.getDataSourceProperties());
		DataSource physical = new DriverDataSource(pool.getJdbcUrl(), pool.getDriverClassName(), properties,
				pool.getUsername(), pool.getPassword());
		String initSql = pool.getConnectionInitSql();
		if (initSql != null) {
			// Run on every physical connection, those of recoveries too (J6).
			pool.setConnectionInitSql(null);
			physical = new InitSqlDataSource(physical, initSql);
		}
		DataSource ha = wrap.apply(physical);
		if (ha instanceof HaDataSource haDataSource) {
			// Recoveries wait for the readiness probe of the URL's servers (H12).
			haDataSource.endpoints(HaDataSource.endpointsOf(pool.getJdbcUrl()));
		}
		pool.setDataSource(ha);
		// The application's override, set as an instance or a class name, goes on
		// judging every other error.
		pool.setExceptionOverride(new RecoveredConnectionOverride(pool.getExceptionOverride()));
		return true;
	}

}
