package io.hacover.sample;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import io.hacover.core.HaConnections;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The JDBC workload: places an order, then counts the orders, on one connection of the
 * {@code orders} data source that it keeps for its whole life, with the same two prepared
 * statements. When PostgreSQL is killed, the connection is recovered on a fresh physical
 * connection and the statements are prepared again (H27).
 * <p>
 * Counting only reads, so it is issued again after a recovery and never fails. An insert
 * cut by the outage may or may not have been applied: under the {@code safe} retransmit
 * policy of JDBC connections, it fails with SQLState {@code 40003} (outcome unknown) once
 * the connection is recovered. The workload expects that error and places the same order
 * again: the id is made by the client and the insert does nothing on a conflict, so an
 * order is stored once whatever happened. Each call then checks that the table holds
 * exactly the orders placed.
 */
final class OrdersWorkload extends Workload implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(OrdersWorkload.class);

	private static final Set<String> OUTCOME_UNKNOWN = Set.of("40003", "08007");

	private static final List<String> ITEMS = List.of("coffee", "tea", "cake", "bagel", "juice");

	private final Connection connection;

	private final String connectionName;

	private final PreparedStatement insert;

	private final PreparedStatement count;

	private UUID pending;

	private long placed;

	OrdersWorkload(DataSource orders, HaConnections connections) throws SQLException {
		super("orders");
		this.connection = orders.getConnection();
		this.connectionName = connections.control(this.connection).info().name();
		try (Statement statement = this.connection.createStatement()) {
			statement.execute("create table if not exists orders (id uuid primary key, item text not null, "
					+ "quantity int not null, placed_at timestamptz not null default now())");
		}
		this.insert = this.connection
			.prepareStatement("insert into orders (id, item, quantity) values (?, ?, ?) on conflict (id) do nothing");
		this.count = this.connection.prepareStatement("select count(*) from orders");
	}

	@Override
	public String connection() {
		return this.connectionName;
	}

	@Override
	protected void call() throws SQLException {
		if (this.pending == null) {
			this.pending = UUID.randomUUID();
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		this.insert.setObject(1, this.pending);
		this.insert.setString(2, ITEMS.get(random.nextInt(ITEMS.size())));
		this.insert.setInt(3, random.nextInt(1, 10));
		this.insert.executeUpdate();
		this.pending = null;
		this.placed++;
		try (ResultSet rows = this.count.executeQuery()) {
			rows.next();
			long stored = rows.getLong(1);
			if (stored != this.placed) {
				throw new IllegalStateException(
						"the table holds %d orders, but %d were placed".formatted(stored, this.placed));
			}
		}
	}

	@Override
	protected boolean handles(Exception ex) {
		if (ex instanceof SQLException sql && OUTCOME_UNKNOWN.contains(sql.getSQLState())) {
			logger.info("orders: the outcome of order %s is unknown after the outage (%s); placing it again"
				.formatted(this.pending, sql.getSQLState()));
			return true;
		}
		return false;
	}

	@Override
	public void close() throws SQLException {
		this.connection.close();
	}

}
