package io.hacover.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.HaConnections;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one statement allocates and costs, plain and HA, each benchmark alone (so that
 * {@code -prof gc} can tell the bytes of each): a prepared {@code select ?} on a
 * connection held throughout (set the parameter, execute, {@code next}, {@code getInt},
 * close the result set), outside a transaction; and a transaction of the replay soak's
 * shape (read a balance, write two rows, commit), which the HA connection logs for replay
 * (J7). The plain side is a HikariCP pool's connection; the HA side is a HikariCP pool
 * over HA connections, as {@code ha.jdbc.enabled} makes it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JdbcAllocationBenchmark {

	private PostgresServer postgres;

	private HikariDataSource plainPool;

	private HikariDataSource haPool;

	private Statements plain;

	private Statements ha;

	private int parameter;

	@Setup
	public void setUp() throws IOException, SQLException {
		this.postgres = PostgresServer.start();
		this.plainPool = JdbcBenchmark.pool(this.postgres, "plain");
		this.haPool = JdbcBenchmark
			.poolOver(new HaDataSource(HaConnections.create(), this.postgres.dataSource(), "allocation"));
		try (Connection connection = this.plainPool.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create table accounts (id int primary key, balance int not null)");
			statement.execute("insert into accounts values (1, 1000)");
			statement.execute("create table moves (id bigserial primary key, account int not null, amount int not null)");
		}
		this.plain = new Statements(this.plainPool.getConnection());
		this.ha = new Statements(this.haPool.getConnection());
	}

	@TearDown
	public void tearDown() throws IOException, SQLException {
		this.plain.close();
		this.ha.close();
		this.plainPool.close();
		this.haPool.close();
		this.postgres.close();
	}

	@Benchmark
	public int plainPreparedSelect() throws SQLException {
		return this.plain.select(++this.parameter);
	}

	@Benchmark
	public int haPreparedSelect() throws SQLException {
		return this.ha.select(++this.parameter);
	}

	@Benchmark
	public int plainTransaction() throws SQLException {
		return this.plain.transaction();
	}

	@Benchmark
	public int haTransaction() throws SQLException {
		return this.ha.transaction();
	}

	/**
	 * The statements of one held connection.
	 */
	private static final class Statements {

		private final Connection connection;

		private final PreparedStatement select;

		private final PreparedStatement balance;

		private final PreparedStatement move;

		Statements(Connection connection) throws SQLException {
			this.connection = connection;
			this.select = connection.prepareStatement("select ?");
			this.balance = connection.prepareStatement("select balance from accounts where id = ?");
			this.move = connection.prepareStatement("insert into moves (account, amount) values (?, ?)");
		}

		int select(int value) throws SQLException {
			this.select.setInt(1, value);
			try (ResultSet result = this.select.executeQuery()) {
				result.next();
				return result.getInt(1);
			}
		}

		int transaction() throws SQLException {
			this.connection.setAutoCommit(false);
			int balance;
			this.balance.setInt(1, 1);
			try (ResultSet result = this.balance.executeQuery()) {
				result.next();
				balance = result.getInt(1);
			}
			this.move.setInt(1, 1);
			this.move.setInt(2, -1);
			int moved = this.move.executeUpdate();
			this.move.setInt(2, 1);
			moved += this.move.executeUpdate();
			this.connection.commit();
			this.connection.setAutoCommit(true);
			return balance + moved;
		}

		void close() throws SQLException {
			this.connection.close();
		}

	}

}
