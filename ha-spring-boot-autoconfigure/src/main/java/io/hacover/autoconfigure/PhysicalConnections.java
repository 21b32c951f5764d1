package io.hacover.autoconfigure;

import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import io.hacover.jdbc.PostgresDeadPeerDetection;

/**
 * Puts HA connections under a connection pool of one kind, as its physical connections,
 * so that a borrow costs what the pool's own does and a recovery reconnects the
 * connection itself.
 */
@FunctionalInterface
interface PhysicalConnections {

	/**
	 * Puts HA connections under the pool, if the bean is a pool of this kind that can
	 * take them.
	 * @param bean a data source bean
	 * @param wrap makes the HA data source over a data source of physical connections
	 * @param detection how a dead PostgreSQL server is found
	 * @return whether the pool now opens HA connections
	 */
	boolean placeUnder(Object bean, UnaryOperator<DataSource> wrap, PostgresDeadPeerDetection detection);

}
