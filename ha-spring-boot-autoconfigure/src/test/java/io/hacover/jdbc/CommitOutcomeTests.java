package io.hacover.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.StatementRelay;
import io.hacover.testsupport.StatementRelay.CutPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The outcome of a commit whose reply was lost, asked of the server (J4, J5), against
 * PostgreSQL with {@code synchronous_commit=on}; the in-doubt cases are made exactly by a
 * relay that lets {@code COMMIT} reach the server and cuts the connection before its
 * reply, or cuts it before {@code COMMIT} is sent (J10).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CommitOutcomeTests {

	private static final Duration CUT = Duration.ofSeconds(10);

	private static PostgresServer server;

	private StatementRelay relay;

	private HaConnections connections;

	private HaDataSource dataSource;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create table payments (id int primary key, note text)");
			// A commit that takes its time in the backend: a deferred trigger that sleeps
			// when the payment's note asks for it.
			statement.execute("create function slow_commit() returns trigger language plpgsql as "
					+ "'begin if new.note = ''slow'' then perform pg_sleep(30); end if; return new; end'");
			statement.execute("create constraint trigger slow_commit after insert on payments "
					+ "deferrable initially deferred for each row execute function slow_commit()");
		}
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void startRelay() throws Exception {
		this.relay = StatementRelay.start(server.port());
		server.execute("truncate payments");
		RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 100,
				Duration.ofSeconds(30), Duration.ZERO);
		this.connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
		String url = server.jdbcUrl(this.relay.port());
		// J4 alone: a transaction found rolled back is not replayed here (J7 is
		// ReplayTests').
		this.dataSource = HaDataSource.of(this.connections, "payments", url, null, null, this.connections.defaults())
			.replay(false, 1, 1);
	}

	@AfterEach
	void stopRelay() {
		this.relay.close();
	}

	@Test
	@DisplayName("J4, J10: a COMMIT whose reply was lost after it reached the server returns normally, and the row "
			+ "is stored once")
	void lostCommitReplyReturnsNormally() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "lost reply");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			connection.commit();
			assertThat(cut.fired()).isTrue();
			insert(connection, 2, "next transaction");
			connection.commit();
		}
		assertThat(stored()).isEqualTo(2);
	}

	@Test
	@DisplayName("J1, J4, J10: a COMMIT sent as SQL after a BEGIN sent as SQL, its reply lost, returns normally, and "
			+ "the row is stored once")
	void lostReplyOfACommitSentAsSqlReturnsNormally() throws Exception {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			insert(connection, 1, "sql commit");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			statement.execute("COMMIT");
			assertThat(cut.fired()).isTrue();
			insert(connection, 2, "auto-commit again");
		}
		assertThat(stored()).isEqualTo(2);
	}

	@Test
	@DisplayName("J4, J10: a COMMIT cut before it was sent gives the rolled-back error, class 40, and no row")
	void commitThatNeverLeftIsRolledBack() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "never sent");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			assertThat(thrown).isInstanceOfSatisfying(TransactionRolledBackException.class,
					(error) -> assertThat(error.getSQLState()).startsWith("40"));
			connection.rollback();
			insert(connection, 1, "run again");
			connection.commit();
		}
		assertThat(stored()).isEqualTo(1);
		assertThat(note(1)).isEqualTo("run again");
	}

	@Test
	@DisplayName("J4, J10: a COMMIT still running in the old backend when its reply was lost: that backend is ended "
			+ "first, then the commit is reported rolled back, and no row is stored")
	void commitStillRunningIsEndedThenReported() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "slow");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			assertThat(thrown).isInstanceOf(TransactionRolledBackException.class);
		}
		assertThat(stored()).isZero();
	}

	@Test
	@DisplayName("J5, J10: a COMMIT whose reply was lost, durable, with the server crashed and restarted before the "
			+ "outcome could be asked, is unknown: after a crash recovery a committed id may be another "
			+ "transaction's, so 08007, never a guess from a transaction id")
	void commitAcrossACrashIsUnknown() throws Exception {
		this.connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				// The commit is durable before the crash, so that only the restart keeps
				// the answer from being known (J5).
				await().atMost(Duration.ofSeconds(10))
					.until(() -> server.queryForInt("select count(*) from payments where id = 1") == 1);
				server.crash();
				try {
					server.restart();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		});
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "across a crash");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			assertThat(thrown).isInstanceOfSatisfying(SQLTransientConnectionException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("08007"));
			assertThat(thrown).hasMessageContaining("restarted");
		}
		assertThat(stored()).isOne();
	}

	@Test
	@DisplayName("J5, J10: a COMMIT whose reply was lost, durable, with the server stopped cleanly and restarted "
			+ "before the outcome could be asked: no crash recovery came between (the server's statistics were "
			+ "not reset), so no id was given out again, the answer holds, and the commit returns normally")
	void commitAcrossACleanRestartIsKnown() throws Exception {
		this.connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				// The commit is durable before the stop.
				await().atMost(Duration.ofSeconds(10))
					.until(() -> server.queryForInt("select count(*) from payments where id = 1") == 1);
				server.stop();
				try {
					server.restart();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		});
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "across a clean restart");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			connection.commit();
			assertThat(cut.fired()).isTrue();
		}
		assertThat(stored()).isOne();
	}

	@Test
	@DisplayName("J5, J10: a transaction whose COMMIT never left, found not committed after a crash and restart, "
			+ "is reported rolled back: an id that is not committed on the restarted server was not ours to commit, "
			+ "reused or not")
	void commitFoundNotCommittedAfterACrashIsRolledBack() throws Exception {
		this.connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				try {
					// Another commit writes the log out, the first insert's record
					// included,
					// so that the restarted server knows the id and answers for it.
					server.execute("insert into payments values (2, 'writes the log out')");
					server.crash();
					server.restart();
				}
				catch (IOException | SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}
		});
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			insert(connection, 1, "never committed");
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(cut.fired()).isTrue();
			assertThat(thrown).isInstanceOf(TransactionRolledBackException.class);
		}
		assertThat(stored()).isOne();
		assertThat(note(2)).isEqualTo("writes the log out");
	}

	@Test
	@DisplayName("J5, J10: a backend killed by SIGKILL makes PostgreSQL recover in place (the postmaster's start time "
			+ "stays) and give out again an id that never reached the log: committed by another transaction, it is "
			+ "not taken for ours; the checkpoint that ended the recovery lies before where our commit's record would "
			+ "be, so the commit is known not to have happened: rolled back")
	void idGivenOutAgainAfterARecoveryInPlaceIsNotTakenForOurs() throws Exception {
		// Nothing writes the log out but a commit: the insert's record stays in memory.
		server.execute("alter system set wal_writer_delay = '10s'");
		server.execute("alter system set bgwriter_lru_maxpages = 0");
		server.execute("alter system set autovacuum = off");
		server.stop();
		server.restart();
		AtomicReference<String> reused = new AtomicReference<>();
		try (Connection victim = server.dataSource().getConnection()) {
			int victimPid = server.backendPid(victim);
			this.connections.addListener((event) -> {
				if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
					try {
						server.killBackend(victimPid);
						try (Connection other = server.dataSource().getConnection();
								Statement statement = other.createStatement();
								ResultSet id = statement.executeQuery(
										"insert into payments values (2, 'reuses the id') returning pg_current_xact_id()::text")) {
							id.next();
							reused.set(id.getString(1));
						}
					}
					catch (SQLException ex) {
						throw new IllegalStateException(ex);
					}
				}
			});
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(false);
				insert(connection, 1, "never in the log");
				String ours;
				try (Statement statement = connection.createStatement();
						ResultSet id = statement.executeQuery("select pg_current_xact_id()::text")) {
					id.next();
					ours = id.getString(1);
				}
				StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
				Throwable thrown = catchThrowable(connection::commit);
				assertThat(cut.fired()).isTrue();
				assertThat(reused.get()).as("the id given out again").isEqualTo(ours);
				assertThat(thrown).isInstanceOf(TransactionRolledBackException.class);
			}
		}
		finally {
			server.execute("alter system reset all");
			server.stop();
			server.restart();
		}
		assertThat(stored()).isOne();
		assertThat(note(2)).isEqualTo("reuses the id");
	}

	@Test
	@DisplayName("J4: a transaction that only read asks the server for no transaction id before its commit")
	void readOnlyTransactionAsksForNoTransactionId() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			StatementRelay.Cut asked = this.relay.arm("xact_id", CutPoint.BEFORE_SEND);
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("select count(*) from payments")) {
				assertThat(rows.next()).isTrue();
			}
			connection.commit();
			assertThat(asked.fired()).isFalse();
			this.relay.disarm();
			insert(connection, 1, "a write");
			asked = this.relay.arm("xact_id", CutPoint.BEFORE_SEND);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(asked.fired()).as("a transaction that wrote asks for its id").isTrue();
			assertThat(thrown).as("the commit never left: rolled back")
				.isInstanceOf(TransactionRolledBackException.class);
		}
		assertThat(stored()).isZero();
	}

	@Test
	@DisplayName("J1, J10: with auto-commit off, the first statement of a transaction, cut after it reached the "
			+ "server, is issued again on the fresh session, since the server rolled its first run back: no error, "
			+ "one row")
	void firstStatementOfATransactionIsIssuedAgain() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			StatementRelay.Cut cut = this.relay.arm("first of its transaction", CutPoint.AFTER_SERVER_RECEIVES);
			insert(connection, 1, "first of its transaction");
			assertThat(cut.fired()).isTrue();
			insert(connection, 2, "second");
			connection.commit();
		}
		assertThat(stored()).isEqualTo(2);
	}

	private static void insert(Connection connection, int id, String note) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.executeUpdate("insert into payments values (" + id + ", '" + note + "')");
		}
	}

	private static int stored() throws SQLException {
		// A cut backend may still be finishing: count once it is gone.
		await().atMost(CUT)
			.until(() -> server.queryForInt("select count(*) from pg_stat_activity where query like 'COMMIT%' "
					+ "and state = 'active' and pid <> pg_backend_pid()") == 0);
		return server.queryForInt("select count(*) from payments");
	}

	private static String note(int id) throws SQLException {
		try (Connection direct = server.dataSource().getConnection();
				Statement statement = direct.createStatement();
				ResultSet rows = statement.executeQuery("select note from payments where id = " + id)) {
			assertThat(rows.next()).isTrue();
			return rows.getString(1);
		}
	}

}
