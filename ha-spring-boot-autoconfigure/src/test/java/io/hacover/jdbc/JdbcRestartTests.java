package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The HA data source across restarts of a real PostgreSQL server: an outage shorter than
 * the recovery budget is waited out by the connections that were open when it began, a
 * server that never comes back ends in the original error, and many restarts under load
 * neither lose an acknowledged write nor write one twice.
 * <p>
 * Most tests hold their HA connections for their whole length, to show the recovery of
 * open connections; asking {@link HaDataSource#getConnection()} for one during an outage
 * waits for the server within the budget (H12).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JdbcRestartTests {

	private static final int ROWS = 10;

	private static final int READERS = 4;

	private static PostgresServer server;

	private HaConnections connections;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create schema if not exists app");
			statement.execute("create table if not exists app.restart_items (id int primary key, name text)");
			statement.execute("insert into app.restart_items select n, 'item ' || n from generate_series(1, " + ROWS
					+ ") as n on conflict do nothing");
			statement.execute("create table if not exists app.soak (k int not null)");
		}
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@AfterEach
	void restartServerIfStopped() throws Exception {
		if (!server.running()) {
			server.restart();
		}
	}

	@Test
	@DisplayName("H12: a server down for 3 seconds is waited out by JdbcTemplate reads on held HA connections")
	void serverDownForThreeSecondsIsWaitedOut() throws Exception {
		HaDataSource dataSource = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0,
				Duration.ofMillis(500), 100, Duration.ofSeconds(20), Duration.ZERO));
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicBoolean restarted = new AtomicBoolean();
		List<AtomicInteger> readsBefore = new ArrayList<>();
		List<AtomicInteger> readsAfter = new ArrayList<>();
		List<Connection> held = new ArrayList<>();
		ExecutorService readers = Executors.newFixedThreadPool(READERS);
		ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
		try {
			List<Future<?>> loops = new ArrayList<>();
			for (int i = 0; i < READERS; i++) {
				Connection connection = dataSource.getConnection();
				held.add(connection);
				JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
				AtomicInteger before = new AtomicInteger();
				AtomicInteger after = new AtomicInteger();
				readsBefore.add(before);
				readsAfter.add(after);
				loops.add(readers.submit(() -> {
					while (running.get()) {
						try {
							Integer count = jdbc.queryForObject("select count(*) from app.restart_items",
									Integer.class);
							if (count == null || count != ROWS) {
								failures.add(new AssertionError("read " + count + " rows, expected " + ROWS));
							}
							(restarted.get() ? after : before).incrementAndGet();
						}
						catch (Throwable ex) {
							failures.add(ex);
						}
					}
				}));
			}
			await().atMost(Duration.ofSeconds(30))
				.until(() -> readsBefore.stream().allMatch((reads) -> reads.get() >= 10));
			server.stop();
			ScheduledFuture<?> restart = restarter.schedule(() -> {
				server.restart();
				restarted.set(true);
				return null;
			}, 3, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(60))
				.until(() -> restart.isDone() && readsAfter.stream().allMatch((reads) -> reads.get() >= 10));
			restart.get();
			running.set(false);
			for (Future<?> loop : loops) {
				loop.get(30, TimeUnit.SECONDS);
			}
			assertThat(failures).isEmpty();
			List<ConnectionInfo> infos = this.connections.connections();
			assertThat(infos).hasSize(READERS);
			assertThat(infos.stream().mapToLong(ConnectionInfo::recoveriesSucceeded).sum()).isPositive();
			assertThat(infos).allSatisfy((info) -> assertThat(info.recoveriesSucceeded()).isPositive());
		}
		finally {
			running.set(false);
			readers.shutdownNow();
			restarter.shutdownNow();
			for (Connection connection : held) {
				connection.close();
			}
		}
	}

	@Test
	@DisplayName("H11 H12: a server that never comes back ends in the original error after the budget, with the "
			+ "recovery's failure suppressed")
	void serverThatNeverComesBackEndsInTheOriginalError() throws Exception {
		HaDataSource dataSource = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0,
				Duration.ofMillis(200), 100, Duration.ofSeconds(1), Duration.ZERO));
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			assertThat(count(statement)).isEqualTo(ROWS);
			server.stop();
			Throwable thrown = catchThrowable(() -> count(statement));
			assertThat(thrown).isInstanceOfSatisfying(SQLException.class, (error) -> {
				assertThat(error.getSQLState()).matches("57P01|08...");
				assertThat(JdbcStaleClassifier.create().isStale(error)).isTrue();
				assertThat(error.getSuppressed()).hasAtLeastOneElementOfType(RecoveryFailedException.class);
			});
			assertThat(this.connections.connections()).singleElement()
				.satisfies((info) -> assertThat(info.recoveriesFailed()).isPositive());
		}
	}

	@Test
	@DisplayName("H12: a JdbcTemplate that asks the HA data source for a connection per call reads on through a "
			+ "3 second outage")
	void jdbcTemplateWithAConnectionPerCallReadsThroughAnOutage() throws Exception {
		HaDataSource dataSource = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0,
				Duration.ofMillis(500), 1000, Duration.ofSeconds(20), Duration.ZERO));
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger reads = new AtomicInteger();
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		ExecutorService readers = Executors.newFixedThreadPool(READERS);
		ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
		try {
			for (int i = 0; i < READERS; i++) {
				readers.submit(() -> {
					while (!stop.get()) {
						try {
							assertThat(jdbc.queryForObject("select count(*) from app.restart_items", Integer.class))
								.isEqualTo(ROWS);
							reads.incrementAndGet();
						}
						catch (Throwable ex) {
							failures.add(ex);
							return;
						}
					}
				});
			}
			await().until(() -> reads.get() >= 40);
			server.stop();
			// The outage: the server stays down for three seconds.
			restarter.schedule(() -> {
				server.restart();
				return null;
			}, 3, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(30)).until(() -> server.running());
			int afterRestart = reads.get();
			await().atMost(Duration.ofSeconds(30)).until(() -> reads.get() >= afterRestart + 40 || !failures.isEmpty());
		}
		finally {
			stop.set(true);
			readers.shutdown();
			assertThat(readers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
			restarter.shutdown();
		}
		assertThat(failures).isEmpty();
	}

	@Test
	@DisplayName("H12: a connection asked for while the server is down waits for its return; one asked for while "
			+ "it stays down fails with 08001 after the budget")
	void connectionAskedForWhileTheServerIsDownWaitsForIt() throws Exception {
		HaDataSource dataSource = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0,
				Duration.ofMillis(200), 1000, Duration.ofSeconds(20), Duration.ZERO));
		server.stop();
		ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
		try {
			// The outage: the server stays down for one second.
			restarter.schedule(() -> {
				server.restart();
				return null;
			}, 1, TimeUnit.SECONDS);
			try (Connection connection = dataSource.getConnection();
					Statement statement = connection.createStatement();
					ResultSet count = statement.executeQuery("select count(*) from app.restart_items")) {
				assertThat(count.next()).isTrue();
				assertThat(count.getInt(1)).isEqualTo(ROWS);
			}
		}
		finally {
			restarter.shutdown();
			assertThat(restarter.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		HaDataSource impatient = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0,
				Duration.ofMillis(200), 1000, Duration.ofMillis(500), Duration.ZERO));
		server.stop();
		Throwable thrown = catchThrowable(impatient::getConnection);
		assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
				(error) -> assertThat(error.getSQLState()).isEqualTo("08001"));
		assertThat(this.connections.find("app")).isEmpty();
	}

	@Test
	@DisplayName("H10 H14 J1 J4 J10: a bounded soak: 2,000 inserts with unique keys, every other one in a "
			+ "transaction of its own, across 10 outages (fast stops, crashes by SIGKILL of the postmaster, "
			+ "terminated backends) lose no acknowledged insert, write none twice, and store none reported rolled back")
	void boundedSoakAcrossRestarts() throws Exception {
		HaDataSource dataSource = dataSource(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0,
				Duration.ofMillis(200), 100, Duration.ofSeconds(20), Duration.ZERO));
		Set<Integer> acknowledged = new HashSet<>();
		Set<Integer> rolledBack = new HashSet<>();
		Set<Integer> unknown = new HashSet<>();
		int restarts = 0;
		try (Connection connection = dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement("insert into app.soak (k) values (?)")) {
			int placement = -1;
			for (int key = 0; key < 2000; key++) {
				boolean transaction = key % 2 == 1;
				if (key % 200 == 100) {
					// Where this block's outage hits: before an auto-commit insert,
					// before the
					// first statement of a transaction, or between its insert and its
					// commit.
					placement = restarts % 3;
				}
				if (placement == 0 && key % 200 == 100 || placement == 1 && key % 200 == 101) {
					connection.setAutoCommit(true);
					outage(restarts++, connection);
				}
				insert.setInt(1, key);
				try {
					connection.setAutoCommit(!transaction);
					assertThat(insert.executeUpdate()).isOne();
					if (transaction) {
						if (placement == 2 && key % 200 == 101) {
							outage(restarts++, connection);
						}
						connection.commit();
					}
					acknowledged.add(key);
				}
				catch (TransactionRolledBackException ex) {
					rolledBack.add(key);
					connection.rollback();
				}
				catch (SQLException ex) {
					assertThat(ex.getSQLState()).as("SQLState of a failed insert").matches("40003|08007");
					unknown.add(key);
					if (transaction) {
						connection.rollback();
					}
				}
			}
			connection.setAutoCommit(true);
			Map<Integer, Integer> stored = new HashMap<>();
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("select k, count(*) from app.soak group by k")) {
				while (rows.next()) {
					stored.put(rows.getInt(1), rows.getInt(2));
				}
			}
			long unknownStored = unknown.stream().filter(stored::containsKey).count();
			String report = "soak: %d outages, %d acknowledged, %d rolled back, %d unknown (%d of them stored), "
					+ "%d rows, %d doubled, %d recoveries%n";
			System.out.printf(report, restarts, acknowledged.size(), rolledBack.size(), unknown.size(), unknownStored,
					stored.values().stream().mapToInt(Integer::intValue).sum(),
					stored.values().stream().filter((copies) -> copies > 1).count(),
					this.connections.connections().get(0).recoveriesSucceeded());
			assertThat(restarts).isEqualTo(10);
			assertThat(acknowledged.size() + rolledBack.size() + unknown.size()).isEqualTo(2000);
			assertThat(stored).allSatisfy((key, copies) -> assertThat(copies).as("copies of key %d", key).isOne());
			assertThat(acknowledged).allSatisfy((key) -> assertThat(stored).containsEntry(key, 1));
			assertThat(rolledBack).allSatisfy((key) -> assertThat(stored).doesNotContainKey(key));
			Set<Integer> explained = new HashSet<>(acknowledged);
			explained.addAll(unknown);
			assertThat(explained).containsAll(stored.keySet());
		}
	}

	private static void outage(int number, Connection connection) throws Exception {
		switch ((number + number / 3) % 3) {
			case 0 -> {
				server.stop();
				server.restart();
			}
			case 1 -> {
				server.crash();
				server.restart();
			}
			default -> server.terminate(server.backendPid(connection));
		}
	}

	private HaDataSource dataSource(RecoveryPolicy policy) {
		this.connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
		return new HaDataSource(this.connections, server.dataSource(), "app",
				this.connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	private static int count(Statement statement) throws SQLException {
		try (ResultSet result = statement.executeQuery("select count(*) from app.restart_items")) {
			assertThat(result.next()).isTrue();
			return result.getInt(1);
		}
	}

}
