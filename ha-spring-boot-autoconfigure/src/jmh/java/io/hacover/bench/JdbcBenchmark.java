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
	}

	@TearDown
	public void tearDown() throws IOException, SQLException {
		this.plainHeld.close();
		this.haHeld.close();
		this.plainPool.close();
		this.haPool.close();
		this.poolOverHa.close();
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

	private static int insert(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("insert into bench_item (name) values (?)")) {
			statement.setString(1, "item");
			return statement.executeUpdate();
		}
	}

}
