package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.core.HaEvent;
import io.hacover.actuate.HaEndpoint;
import io.hacover.testsupport.LoopbackBlackHole;
import io.hacover.testsupport.PostgresPair;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.StatementRelay;
import io.hacover.testsupport.StatementRelay.CutPoint;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Failover to a promoted standby (J9), on a primary and a streaming standby made from the
 * embedded binaries alone ({@link PostgresPair}), reaching the primary through a proxy
 * that can make it lag, with {@code synchronous_commit=on}; the primary is crashed
 * (immediate stop) and the standby promoted ({@code pg_promote()}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class FailoverTests {

	private PostgresPair pair;

	private PostgresServer primary;

	private PostgresServer standby;

	private TcpFaultProxy replication;

	private StatementRelay relay;

	/**
	 * A thread for each query that must run alongside the test: the common pool may have
	 * a single worker on two cores.
	 */
	private final ExecutorService executor = Executors.newCachedThreadPool();

	private void startPair(boolean synchronous) throws Exception {
		this.pair = PostgresPair.start(synchronous, "create table items (id int primary key)");
		this.primary = this.pair.primary();
		this.standby = this.pair.standby();
		this.replication = this.pair.replication();
	}

	@AfterEach
	void stopPair() {
		this.executor.shutdownNow();
		if (this.relay != null) {
			this.relay.close();
		}
		if (this.pair != null) {
			this.pair.close();
		}
	}

	@Test
	@DisplayName("J9, J6, J10: a held HA connection on a multi-host URL (targetServerType=primary) follows the "
			+ "promoted standby after the primary crashed: its SQL session state and prepared statement go on there, "
			+ "on the new timeline, and every acknowledged write is there once")
	void heldConnectionFollowsThePromotedStandby() throws Exception {
		startPair(true);
		HaConnections connections = connections();
		HaDataSource dataSource = HaDataSource.of(connections, "failover", url(this.primary.port()), "postgres", null,
				connections.defaults());
		try (Connection connection = dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement("insert into items values (?)")) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("set statement_timeout = '17s'");
			}
			for (int id = 1; id <= 10; id++) {
				insert.setInt(1, id);
				assertThat(insert.executeUpdate()).isOne();
			}
			assertThat(timeline(connection)).isEqualTo(1);
			this.primary.stopImmediately();
			this.standby.promote();
			assertThat(count(connection)).isEqualTo(10);
			insert.setInt(1, 11);
			assertThat(insert.executeUpdate()).isOne();
			assertThat(timeline(connection)).isEqualTo(2);
			try (Statement statement = connection.createStatement();
					ResultSet setting = statement.executeQuery("show statement_timeout")) {
				assertThat(setting.next()).isTrue();
				assertThat(setting.getString(1)).isEqualTo("17s");
			}
		}
		assertThat(this.standby.queryForInt("select count(*) from items")).isEqualTo(11);
		assertThat(this.standby.queryForInt("select count(distinct id) from items")).isEqualTo(11);
	}

	@Test
	@DisplayName("J9: the old primary started again as it was (timeline 1) after a failover is refused, never used: "
			+ "the data source's new connections go to the promoted standby although the old primary is first in "
			+ "the URL, it gets no write, and each refusal is told (FENCED)")
	void oldPrimaryStartedAgainIsRefused(CapturedOutput output) throws Exception {
		startPair(true);
		HaConnections connections = connections();
		List<HaEvent> fenced = new CopyOnWriteArrayList<>();
		connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.FENCED) {
				fenced.add(event);
			}
		});
		HaDataSource dataSource = HaDataSource.of(connections, "fenced", url(this.primary.port()), "postgres", null,
				connections.defaults());
		try (Connection held = dataSource.getConnection(); Statement statement = held.createStatement()) {
			statement.executeUpdate("insert into items values (1)");
			this.primary.stopImmediately();
			this.standby.promote();
			statement.executeUpdate("insert into items values (2)");
			assertThat(timeline(held)).isEqualTo(2);
		}
		// Split brain: the old primary runs again, read-write, on its old timeline.
		this.primary.restart();
		assertThat(this.primary.queryForInt("select case when pg_is_in_recovery() then 0 else 1 end")).isOne();
		for (int id = 3; id <= 12; id++) {
			try (Connection connection = dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				statement.executeUpdate("insert into items values (" + id + ")");
				assertThat(timeline(connection)).isEqualTo(2);
			}
		}
		assertThat(this.primary.queryForInt("select count(*) from items where id >= 2")).as("writes on the old primary")
			.isZero();
		assertThat(this.standby.queryForInt("select count(distinct id) from items")).isEqualTo(12);
		assertThat(fenced).isNotEmpty()
			.allSatisfy((event) -> assertThat(event.cause()).hasMessageContaining("timeline 1, behind timeline 2"));
		assertThat(output).contains("refused a connection to localhost:" + this.primary.port(),
				"timeline 1, behind timeline 2");
		try (Connection held = dataSource.getConnection()) {
			String name = connections.control(held).info().name();
			HaEndpoint.ConnectionDescriptor shown = new HaEndpoint(connections, new DefaultListableBeanFactory())
				.connection(name);
			assertThat(shown).isNotNull();
			assertThat(shown.server()).containsEntry("host", "localhost")
				.containsEntry("port", this.standby.port())
				.containsEntry("role", "primary")
				.containsEntry("timeline", 2)
				.hasEntrySatisfying("lastRefused", (refused) -> assertThat(refused.toString())
					.contains("localhost:" + this.primary.port(), "timeline 1, behind timeline 2"));
		}
	}

	@Test
	@DisplayName("J9: a server of another cluster (another system_identifier) behind the same URL is refused, never "
			+ "used: with the first server down, asking for a connection fails within the budget instead of running "
			+ "on the other cluster, and each refusal is told (FENCED)")
	void serverOfAnotherClusterIsRefused() throws Exception {
		try (PostgresServer first = PostgresServer.start(); PostgresServer other = PostgresServer.start()) {
			other.execute("create table items (id int primary key)");
			HaConnections connections = HaConnections.create(ConnectionSettings.defaults()
				.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(100), 1000,
						Duration.ofSeconds(2), Duration.ZERO)),
					StaleConnectionClassifier.defaults());
			List<HaEvent> fenced = new CopyOnWriteArrayList<>();
			connections.addListener((event) -> {
				if (event.kind() == HaEvent.Kind.FENCED) {
					fenced.add(event);
				}
			});
			HaDataSource dataSource = HaDataSource.of(
					connections, "clusters", "jdbc:postgresql://localhost:" + first.port() + ",localhost:"
							+ other.port() + "/postgres?hostRecheckSeconds=1",
					"postgres", null, connections.defaults());
			try (Connection connection = dataSource.getConnection()) {
				assertThat(count(connection, "select count(*) from pg_class where relname = 'items'")).isZero();
			}
			first.stop();
			Throwable thrown = catchThrowable(() -> {
				try (Connection connection = dataSource.getConnection();
						Statement statement = connection.createStatement()) {
					statement.executeUpdate("insert into items values (1)");
				}
			});
			assertThat(thrown).isInstanceOf(SQLException.class);
			assertThat(fenced).isNotEmpty()
				.allSatisfy((event) -> assertThat(event.cause()).hasMessageContaining("another cluster"));
			assertThat(other.queryForInt("select count(*) from items")).isZero();
		}
	}

	@Test
	@DisplayName("J5, J9, J10: asynchronous replication with the standby lagging: an in-doubt COMMIT (reached the "
			+ "primary, reply lost) across the failover is 08007, never committed, although the new primary gave its "
			+ "transaction id to another transaction that committed; acknowledged commits the standby never received "
			+ "are lost, which the library cannot prevent")
	void inDoubtCommitAcrossAnAsynchronousFailoverIsUnknown() throws Exception {
		startPair(false);
		this.relay = StatementRelay.start(this.primary.port());
		HaConnections connections = connections();
		HaDataSource dataSource = HaDataSource
			.of(connections, "failover", url(this.relay.port()), "postgres", null, connections.defaults())
			.replay(false, 1, 1);
		// The standby falls behind: nothing more reaches it.
		this.replication.blackHole(true);
		for (int id = 1; id <= 3; id++) {
			this.primary.execute("insert into items values (" + id + ")");
		}
		AtomicReference<String> reused = new AtomicReference<>();
		AtomicReference<String> ours = new AtomicReference<>();
		connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				try {
					await().atMost(Duration.ofSeconds(10))
						.until(() -> this.primary.queryForInt("select count(*) from items where id = 100") == 1);
					this.primary.stopImmediately();
					this.standby.promote();
					reused.set(giveOut(ours.get()));
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}
		});
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.executeUpdate("insert into items values (100)");
				try (ResultSet id = statement.executeQuery("select pg_current_xact_id()::text")) {
					id.next();
					ours.set(id.getString(1));
				}
			}
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			assertThat(reused.get()).as("the id given out again on the new primary").isEqualTo(ours.get());
			assertThat(this.standby.queryForInt("select count(*) from (select pg_xact_status('" + ours.get()
					+ "'::xid8) s) q where s = 'committed'"))
				.as("the new primary says the id committed")
				.isOne();
			assertThat(thrown).isInstanceOfSatisfying(CommitOutcomeUnknownException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("08007"));
		}
		int lost = 3 - this.standby.queryForInt("select count(*) from items where id between 1 and 3");
		System.out.println("asynchronous failover: " + lost + " of 3 acknowledged commits lost with the old primary");
		assertThat(lost).as("acknowledged commits the lagging standby never received").isEqualTo(3);
		assertThat(this.standby.queryForInt("select count(*) from items where id = 100")).isZero();
	}

	@Test
	@DisplayName("H35, J9, J2: a primary black-holed by the kernel (its packets dropped, no reset) under a long "
			+ "query is declared dead after ha.jdbc.dead-peer-timeout (3 s here) of silence, and the query goes on on "
			+ "the promoted standby, re-issued read-only, without an error and without a connect to the dead host; "
			+ "a healthy 60 s query with the same settings is not cut")
	void blackHoledPrimaryIsDeclaredDeadWithinTheDeadPeerTimeout() throws Exception {
		assumeThat(LoopbackBlackHole.available()).as("ip rule can be changed here (root, iproute2)").isTrue();
		startPair(true);
		HaConnections connections = connections();
		PostgresDeadPeerDetection detection = PostgresDeadPeerDetection.within(Duration.ofSeconds(3));
		HaDataSource healthy = HaDataSource.of(connections, "healthy", this.standby.jdbcUrl(), null, null,
				connections.defaults(), detection);
		CompletableFuture<String> healthyQuery = CompletableFuture.supplyAsync(() -> {
			try (Connection connection = healthy.getConnection();
					Statement statement = connection.createStatement();
					ResultSet row = statement.executeQuery("select 'slept', pg_sleep(60)")) {
				row.next();
				return row.getString(1);
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.standby.queryForInt(
					"select count(*) from pg_stat_activity where query like 'select ''slept''%' and state = 'active'") == 1);
		// A connect to the black-holed primary would wait 60 s: the recovery must go to
		// the other host at once, the dead one marked unreachable.
		HaDataSource dataSource = HaDataSource.of(connections, "blackholed",
				this.pair.url(this.primary.port(), "hostRecheckSeconds=30&connectTimeout=60"), "postgres", null,
				connections.defaults(), detection);
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			assertThat(timeline(connection)).isEqualTo(1);
			// Long on the old primary's timeline, short on the new one.
			String query = "select pg_sleep(case when pg_walfile_name(pg_current_wal_lsn()) like '00000001%' then 60 "
					+ "else 0 end), substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)";
			CompletableFuture<String> longQuery = CompletableFuture.supplyAsync(() -> {
				try (ResultSet row = statement.executeQuery(query)) {
					row.next();
					return row.getString(2);
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}, this.executor);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.primary.queryForInt("select count(*) from pg_stat_activity where query like "
						+ "'select pg_sleep(case%' and state = 'active'") == 1);
			long start = System.nanoTime();

			try (LoopbackBlackHole hole = LoopbackBlackHole.drop(this.primary.port())) {
				this.standby.promote();
				assertThat(longQuery.get(45, TimeUnit.SECONDS)).as("the timeline the query ended on")
					.isEqualTo("00000002");
				System.out.printf(
						"black-holed primary: the long query answered on the new primary %d ms after the "
								+ "black hole began (dead-peer timeout 3 s)%n",
						TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
				assertThat(timeline(connection)).isEqualTo(2);
			}
		}
		assertThat(connections.connections()).filteredOn((info) -> info.name().startsWith("blackholed"))
			.allSatisfy((info) -> assertThat(info.recoveries()).isOne());
		assertThat(healthyQuery.get(70, TimeUnit.SECONDS)).isEqualTo("slept");
		assertThat(connections.connections()).filteredOn((info) -> info.name().startsWith("healthy"))
			.allSatisfy((info) -> assertThat(info.recoveries()).isZero());
	}

	@Test
	@DisplayName("J5, J9, J10: synchronous replication: an in-doubt COMMIT (reached the primary, reply lost) that "
			+ "the standby flushed is committed after the failover, the commit returns normally, and the row is on "
			+ "the new primary once; the server's timeline history proves the id is the transaction's own")
	void inDoubtCommitThatReachedTheSynchronousStandbyIsCommitted() throws Exception {
		startPair(true);
		Throwable thrown = inDoubtCommitAcrossTheFailover(() -> {
		}, () -> await().atMost(Duration.ofSeconds(10))
			.until(() -> this.standby.queryForInt("select count(*) from items where id = 100") == 1));
		assertThat(thrown).isNull();
		assertThat(this.standby.queryForInt("select count(*) from items where id = 100")).isOne();
	}

	@Test
	@DisplayName("J5, J9, J10: synchronous replication: an in-doubt COMMIT that the primary logged but the standby "
			+ "never received (the primary crashed waiting for it) is rolled back after the failover: a "
			+ "TransactionRolledBackException, safe to run again, and the row is not on the new primary")
	void inDoubtCommitThatNeverReachedTheSynchronousStandbyIsRolledBack() throws Exception {
		startPair(true);
		Throwable thrown = inDoubtCommitAcrossTheFailover(() -> this.replication.blackHole(true), () -> {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.primary
					.queryForInt("select count(*) from pg_stat_activity where wait_event = 'SyncRep'") == 1);
		});
		assertThat(thrown).isInstanceOfSatisfying(TransactionRolledBackException.class,
				(error) -> assertThat(error.getMessage()).contains("rolled back"));
		assertThat(this.standby.queryForInt("select count(*) from items where id = 100")).isZero();
	}

	/**
	 * Inserts row 100 in a transaction through a relay, runs {@code beforeCommit}, cuts
	 * the COMMIT after the primary received it, and, when the recovery starts, runs
	 * {@code atTheCrash}, crashes the primary and promotes the standby; returns what the
	 * commit threw. A failure in the listener would leave the primary running: the
	 * timeline is checked.
	 */
	private Throwable inDoubtCommitAcrossTheFailover(ThrowingRunnable beforeCommit, ThrowingRunnable atTheCrash)
			throws Exception {
		this.relay = StatementRelay.start(this.primary.port());
		HaConnections connections = connections();
		HaDataSource dataSource = HaDataSource
			.of(connections, "failover", url(this.relay.port()), "postgres", null, connections.defaults())
			.replay(false, 1, 1);
		connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				try {
					atTheCrash.run();
					this.primary.stopImmediately();
					this.standby.promote();
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			}
		});
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.executeUpdate("insert into items values (100)");
			}
			beforeCommit.run();
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			if (thrown != null) {
				// What Spring does after a failed commit.
				connection.rollback();
			}
			assertThat(timeline(connection)).isEqualTo(2);
			return thrown;
		}
	}

	@FunctionalInterface
	private interface ThrowingRunnable {

		void run() throws Exception;

	}

	/**
	 * Commits transactions on the new primary until one is given the id, and returns the
	 * last id given out.
	 */
	private String giveOut(String id) throws SQLException {
		long wanted = Long.parseLong(id);
		this.standby.execute("create table if not exists others (id bigint)");
		for (int i = 0; i < 1000; i++) {
			try (Connection connection = this.standby.dataSource().getConnection();
					Statement statement = connection.createStatement();
					ResultSet row = statement
						.executeQuery("insert into others values (1) returning pg_current_xact_id()::text")) {
				row.next();
				String given = row.getString(1);
				if (Long.parseLong(given) >= wanted) {
					return given;
				}
			}
		}
		return null;
	}

	private static HaConnections connections() {
		return HaConnections.create(ConnectionSettings.defaults()
			.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 1000,
					Duration.ofSeconds(60), Duration.ZERO)),
				StaleConnectionClassifier.defaults());
	}

	/**
	 * A multi-host URL: the primary (or a relay in front of it), then the standby.
	 */
	private String url(int primaryPort) {
		return this.pair.url(primaryPort, "hostRecheckSeconds=1&connectTimeout=5");
	}

	private static int count(Connection connection, String query) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(query)) {
			rows.next();
			return rows.getInt(1);
		}
	}

	private static int count(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("select count(*) from items")) {
			rows.next();
			return rows.getInt(1);
		}
	}

	private static int timeline(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery(
						"select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
			row.next();
			return row.getInt(1);
		}
	}

}
