package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
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
 * The JDBC cover's decisions on the server's truth, against PostgreSQL with
 * {@code synchronous_commit=on}, with in-doubt cases made exactly by a relay that lets a
 * statement reach the server and cuts the connection before its reply (J2, J10).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerTruthTests {

	private static final Duration CUT = Duration.ofSeconds(10);

	private static PostgresServer server;

	private StatementRelay relay;

	private HaDataSource dataSource;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create table events (id serial primary key, what text)");
			statement.execute("create function log_event(what text) returns int language sql as "
					+ "'insert into events (what) values (what) returning id'");
		}
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void startRelay() throws Exception {
		this.relay = StatementRelay.start(server.port());
		server.execute("truncate events");
		RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 100,
				Duration.ofSeconds(20), Duration.ZERO);
		HaConnections connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
		String url = server.jdbcUrl(this.relay.port());
		this.dataSource = HaDataSource.of(connections, "relayed", url, null, null,
				connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	@AfterEach
	void stopRelay() {
		this.relay.close();
	}

	@Test
	@DisplayName("J2, J10: SELECT of a function that inserts, cut after it reached the server, gives 40003 and "
			+ "leaves exactly one row: it is not run again as a read")
	void selectOfAWritingFunctionIsNeverRunTwice() throws Exception {
		assertRunsOnceAndGives40003("select log_event('select')");
	}

	@Test
	@DisplayName("J2, J10: EXPLAIN ANALYZE of an INSERT, cut after it reached the server, gives 40003 and leaves "
			+ "exactly one row")
	void explainAnalyzeOfAnInsertIsNeverRunTwice() throws Exception {
		assertRunsOnceAndGives40003("explain analyze insert into events (what) values ('explain')");
	}

	@Test
	@DisplayName("J2, J10: a read cut after it reached the server is issued again in a read-only transaction, and "
			+ "the caller sees only its result")
	void readIsIssuedAgainInAReadOnlyTransaction() throws Exception {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			StatementRelay.Cut cut = this.relay.arm("select 40 + 2 as answer", CutPoint.AFTER_SERVER_RECEIVES);
			try (ResultSet rows = statement.executeQuery("select 40 + 2 as answer")) {
				assertThat(rows.next()).isTrue();
				assertThat(rows.getInt(1)).isEqualTo(42);
			}
			assertThat(cut.fired()).isTrue();
			try (ResultSet mode = statement.executeQuery("show transaction_read_only")) {
				assertThat(mode.next()).isTrue();
				assertThat(mode.getString(1)).isEqualTo("off");
			}
		}
	}

	private void assertRunsOnceAndGives40003(String sql) throws Exception {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			StatementRelay.Cut cut = this.relay.arm(sql, CutPoint.AFTER_SERVER_RECEIVES);
			Throwable thrown = catchThrowable(() -> statement.execute(sql));
			cut.awaitFired(CUT);
			assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
		}
		// The cut backend may still be finishing the statement: count once it is gone.
		await().atMost(CUT)
			.until(() -> server.queryForInt("select count(*) from pg_stat_activity where query = '"
					+ sql.replace("'", "''") + "' and pid <> pg_backend_pid()") == 0);
		assertThat(server.queryForInt("select count(*) from events")).isOne();
	}

}
