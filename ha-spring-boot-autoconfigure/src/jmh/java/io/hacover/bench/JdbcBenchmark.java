package io.hacover.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.HaConnections;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code SELECT 1} and a one-row insert on the same embedded PostgreSQL, through a
 * HikariCP pool directly and through the HA data source over a HikariCP pool (what
 * {@code ha.jdbc.enabled=true} makes of the application's pool), side by side: each group
 * runs the plain and the HA caller at the same time, one thread each, so that the load of
 * the machine weighs on both alike and their ratio holds on a busy machine. Each
 * operation asks the data source for a connection and closes it, as {@code JdbcTemplate}
 * does; the {@code ...Held} ones run a statement prepared once on a connection held
 * throughout, which shows the cost of the statement alone; the last group puts the HA
 * data source under the pool instead (the pool's connections are HA connections).
 * <p>
 * The transaction groups run as Spring's {@code @Transactional} does on a pool (take a
 * connection, auto-commit off, the work, commit, auto-commit on, close), on a second
 * server with PostgreSQL's own durability defaults ({@code fsync} and
 * {@code synchronous_commit} on), the HA side with the HA connections under the pool as
 * {@code ha.jdbc.enabled} puts them: a one-row insert transaction, whose HA side takes
 * the transaction's id before its commit (J4), and a transaction that only reads, which
 * takes none, and the replay soak's transaction (read a balance, write two rows), which the
 * HA side logs for replay (J7). The {@code commitId} groups show what taking the id costs alone: the same
 * insert transaction on plain connections, without and with the query the HA connection
 * sends before the commit, with {@code fsync} on and off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JdbcBenchmark {

	private PostgresServer postgres;

	private HikariDataSource plainPool;

	private HikariDataSource haPool;

	private HikariDataSource poolOverHa;

	private DataSource plain;

	private DataSource ha;

	private Connection plainHeld;

	private Connection haHeld;

	private PreparedStatement plainHeldSelect;

	private PreparedStatement haHeldSelect;

	private PostgresServer durable;

	private HikariDataSource plainDurable;

	private HikariDataSource haDurable;

	@Setup
	public void setUp() throws IOException, SQLException {
		this.postgres = PostgresServer.start();
		this.plainPool = pool(this.postgres, "plain");
		this.haPool = pool(this.postgres, "ha");
		this.plain = this.plainPool;
		this.ha = new HaDataSource(HaConnections.create(), this.haPool, "bench");
		this.poolOverHa = poolOver(new HaDataSource(HaConnections.create(), this.postgres.dataSource(), "under"));
		try (Connection connection = this.plain.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("create table bench_item (id bigserial primary key, name text not null)");
		}
		this.plainHeld = this.plain.getConnection();
		this.plainHeldSelect = this.plainHeld.prepareStatement("select 1");
		this.haHeld = this.ha.getConnection();
		this.haHeldSelect = this.haHeld.prepareStatement("select 1");
		this.durable = PostgresServer.startDurable();
		this.plainDurable = pool(this.durable, "plain-durable");
		this.haDurable = poolOver(new HaDataSource(HaConnections.create(), this.durable.dataSource(), "durable"));
		try (Connection connection = this.plainDurable.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create table bench_item (id bigserial primary key, name text not null)");
			statement.execute("insert into bench_item (name) values ('first')");
			statement.execute("create table accounts (id int primary key, balance int not null)");
			statement.execute("insert into accounts values (1, 1000)");
			statement.execute(
					"create table moves (id bigserial primary key, account int not null, amount int not null)");
		}
	}

	@TearDown
	public void tearDown() throws IOException, SQLException {
		this.plainHeld.close();
		this.haHeld.close();
		this.plainPool.close();
		this.haPool.close();
		this.poolOverHa.close();
		this.plainDurable.close();
		this.haDurable.close();
		this.durable.close();
		this.postgres.close();
	}

	@Benchmark
	@Group("selectOne")
	@GroupThreads(1)
	public int plainSelectOne() throws SQLException {
		return selectOne(this.plain);
	}

	@Benchmark
	@Group("selectOne")
	@GroupThreads(1)
	public int haSelectOne() throws SQLException {
		return selectOne(this.ha);
	}

	@Benchmark
	@Group("insert")
	@GroupThreads(1)
	public int plainInsert() throws SQLException {
		return insert(this.plain);
	}

	@Benchmark
	@Group("insert")
	@GroupThreads(1)
	public int haInsert() throws SQLException {
		return insert(this.ha);
	}

	@Benchmark
	@Group("selectOneHeld")
	@GroupThreads(1)
	public int plainSelectOneHeld() throws SQLException {
		return selectOne(this.plainHeldSelect);
	}

	@Benchmark
	@Group("selectOneHeld")
	@GroupThreads(1)
	public int haSelectOneHeld() throws SQLException {
		return selectOne(this.haHeldSelect);
	}

	@Benchmark
	@Group("selectOnePoolOverHa")
	@GroupThreads(1)
	public int plainSelectOneBesidePoolOverHa() throws SQLException {
		return selectOne(this.plain);
	}

	@Benchmark
	@Group("selectOnePoolOverHa")
	@GroupThreads(1)
	public int poolOverHaSelectOne() throws SQLException {
		return selectOne(this.poolOverHa);
	}

	@Benchmark
	@Group("insertTransaction")
	@GroupThreads(1)
	public int plainInsertTransaction() throws SQLException {
		return insertTransaction(this.plainDurable);
	}

	@Benchmark
	@Group("insertTransaction")
	@GroupThreads(1)
	public int haInsertTransaction() throws SQLException {
		return insertTransaction(this.haDurable);
	}

	@Benchmark
	@Group("commitId")
	@GroupThreads(1)
	public int plainInsertTransactionBesideId() throws SQLException {
		return insertTransaction(this.plainDurable);
	}

	@Benchmark
	@Group("commitId")
	@GroupThreads(1)
	public int plainInsertTransactionWithId() throws SQLException {
		return insertTransactionWithId(this.plainDurable);
	}

	@Benchmark
	@Group("commitIdNoFsync")
	@GroupThreads(1)
	public int plainInsertTransactionBesideIdNoFsync() throws SQLException {
		return insertTransaction(this.plainPool);
	}

	@Benchmark
	@Group("commitIdNoFsync")
	@GroupThreads(1)
	public int plainInsertTransactionWithIdNoFsync() throws SQLException {
		return insertTransactionWithId(this.plainPool);
	}

	@Benchmark
	@Group("readTransaction")
	@GroupThreads(1)
	public int plainReadTransaction() throws SQLException {
		return readTransaction(this.plainDurable);
	}

	@Benchmark
	@Group("readTransaction")
	@GroupThreads(1)
	public int haReadTransaction() throws SQLException {
		return readTransaction(this.haDurable);
	}

	@Benchmark
	@Group("replayTransaction")
	@GroupThreads(1)
	public int plainReplayTransaction() throws SQLException {
		return replayTransaction(this.plainDurable);
	}

	@Benchmark
	@Group("replayTransaction")
	@GroupThreads(1)
	public int haReplayTransaction() throws SQLException {
		return replayTransaction(this.haDurable);
	}

	/**
	 * Returns a HikariCP pool with its defaults over a data source: the pool holds HA
	 * connections when it is an HA data source.
	 * @param dataSource the data source
	 * @return the pool
	 */
	static HikariDataSource poolOver(DataSource dataSource) {
		HikariConfig config = new HikariConfig();
		config.setPoolName("pool-over-ha");
		config.setDataSource(dataSource);
		return new HikariDataSource(config);
	}

	static HikariDataSource pool(PostgresServer postgres, String name) {
		HikariConfig config = new HikariConfig();
		config.setPoolName(name);
		config.setJdbcUrl(postgres.jdbcUrl());
		return new HikariDataSource(config);
	}

	private static int selectOne(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("select 1");
				ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getInt(1);
		}
	}

	private static int selectOne(PreparedStatement statement) throws SQLException {
		try (ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getInt(1);
		}
	}

	private static int insertTransaction(DataSource dataSource) throws SQLException {
		return insertTransaction(dataSource, false);
	}

	private static int insertTransactionWithId(DataSource dataSource) throws SQLException {
		return insertTransaction(dataSource, true);
	}

	/**
	 * A one-row insert transaction, which may take its id before the commit on a plain
	 * connection, with the very query the HA connection sends (J4): its cost alone.
	 */
	private static int insertTransaction(DataSource dataSource, boolean takeId) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			int inserted;
			try (PreparedStatement statement = connection
				.prepareStatement("insert into bench_item (name) values (?)")) {
				statement.setString(1, "item");
				inserted = statement.executeUpdate();
			}
			if (takeId) {
				try (PreparedStatement id = connection
					.prepareStatement("select pg_current_xact_id_if_assigned()::text");
						ResultSet result = id.executeQuery()) {
					result.next();
					inserted += (result.getString(1) != null) ? 0 : 1;
				}
			}
			connection.commit();
			connection.setAutoCommit(true);
			return inserted;
		}
	}

	private static int readTransaction(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			int length;
			try (PreparedStatement statement = connection.prepareStatement("select name from bench_item where id = 1");
					ResultSet result = statement.executeQuery()) {
				result.next();
				length = result.getString(1).length();
			}
			connection.commit();
			connection.setAutoCommit(true);
			return length;
		}
	}

	/**
	 * The replay soak's transaction (J7): read a balance, write two rows, commit; the HA
	 * side logs it for replay and takes its id before the commit.
	 */
	private static int replayTransaction(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			int balance;
			try (PreparedStatement read = connection.prepareStatement("select balance from accounts where id = ?")) {
				read.setInt(1, 1);
				try (ResultSet result = read.executeQuery()) {
					result.next();
					balance = result.getInt(1);
				}
			}
			try (PreparedStatement move = connection
				.prepareStatement("insert into moves (account, amount) values (?, ?)")) {
				move.setInt(1, 1);
				move.setInt(2, -1);
				balance += move.executeUpdate();
				move.setInt(2, 1);
				balance += move.executeUpdate();
			}
			connection.commit();
			connection.setAutoCommit(true);
			return balance;
		}
	}

	private static int insert(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("insert into bench_item (name) values (?)")) {
			statement.setString(1, "item");
			return statement.executeUpdate();
		}
	}

}
