package io.hacover.jdbc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Proves against a real PostgreSQL server that {@link JdbcStaleClassifier} tells the
 * errors of a dead connection (stale) from the ordinary errors of SQL (not stale), and
 * that it walks causes and {@link SQLException#getNextException()} chains (H8).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcStaleClassifierTests {

	private static PostgresServer server;

	private static DataSource dataSource;

	private final JdbcStaleClassifier classifier = JdbcStaleClassifier.create();

	@BeforeAll
	static void startServer() throws IOException {
		server = PostgresServer.start();
		dataSource = server.dataSource();
	}

	@AfterAll
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	@Test
	@DisplayName("H8: a connection whose backend was terminated fails stale with 57P01, then with 08003")
	void terminatedBackendFailsStale() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			server.terminateBackend(connection);
			SQLException terminated = failure(() -> query(connection, "select 1"));
			assertThat(terminated.getSQLState()).isEqualTo("57P01");
			assertThat(this.classifier.isStale(terminated)).isTrue();
			assertThat(StaleConnectionClassifier.defaults().isStale(terminated)).isFalse();
			SQLException closed = failure(() -> query(connection, "select 1"));
			assertThat(closed.getSQLState()).isEqualTo("08003");
			assertThat(closed.getMessage()).isEqualTo("This connection has been closed.");
			assertThat(this.classifier.isStale(closed)).isTrue();
		}
	}

	@Test
	@DisplayName("H8: a terminated backend is stale also when Spring's JdbcTemplate wraps the error")
	void terminatedBackendIsStaleThroughJdbcTemplate() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			server.terminateBackend(connection);
			JdbcTemplate template = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
			DataAccessException error = catchThrowableOfType(DataAccessException.class,
					() -> template.queryForObject("select 1", Integer.class));
			assertThat(error).hasRootCauseInstanceOf(SQLException.class);
			assertThat(this.classifier.isStale(error)).isTrue();
		}
	}

	@Test
	@DisplayName("H8: after a stop open connections fail stale (57P01), new connects fail stale (08001), and a restart keeps the data")
	void stoppedServerFailsStaleAndRestartKeepsTheData() throws Exception {
		try (Connection setup = dataSource.getConnection()) {
			update(setup, "create table survivor (id int primary key, name text)");
			update(setup, "insert into survivor values (1, 'before the stop')");
		}
		Connection open = dataSource.getConnection();
		try {
			query(open, "select 1");
			server.stop();
			assertThat(server.running()).isFalse();
			SQLException broken = failure(() -> query(open, "select 1"));
			assertThat(broken.getSQLState()).isEqualTo("57P01");
			assertThat(this.classifier.isStale(broken)).isTrue();
			SQLException refused = failure(() -> dataSource.getConnection().close());
			assertThat(refused.getSQLState()).isEqualTo("08001");
			assertThat(refused.getCause()).isInstanceOf(ConnectException.class);
			assertThat(this.classifier.isStale(refused)).isTrue();
		}
		finally {
			open.close();
			if (!server.running()) {
				server.restart();
			}
		}
		assertThat(server.running()).isTrue();
		try (Connection fresh = dataSource.getConnection()) {
			assertThat(query(fresh, "select name from survivor where id = 1")).isEqualTo("before the stop");
		}
	}

	@Test
	@DisplayName("H8: a unique violation (23505) is not stale")
	void uniqueViolationIsNotStale() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			update(connection, "create temporary table single (id int primary key)");
			update(connection, "insert into single values (1)");
			SQLException error = failure(() -> update(connection, "insert into single values (1)"));
			assertThat(error.getSQLState()).isEqualTo("23505");
			assertThat(this.classifier.isStale(error)).isFalse();
			assertThat(query(connection, "select count(*) from single")).isEqualTo("1");
		}
	}

	@Test
	@DisplayName("H8: a syntax error (42601) is not stale")
	void syntaxErrorIsNotStale() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			SQLException error = failure(() -> query(connection, "selec 1"));
			assertThat(error.getSQLState()).isEqualTo("42601");
			assertThat(this.classifier.isStale(error)).isFalse();
			assertThat(query(connection, "select 1")).isEqualTo("1");
		}
	}

	@Test
	@DisplayName("H8: a division by zero (22012) is not stale")
	void divisionByZeroIsNotStale() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			SQLException error = failure(() -> query(connection, "select 1 / 0"));
			assertThat(error.getSQLState()).isEqualTo("22012");
			assertThat(this.classifier.isStale(error)).isFalse();
		}
	}

	@Test
	@DisplayName("H8: a serialization failure (40001) of two concurrent SERIALIZABLE transactions is not stale")
	void serializationFailureIsNotStale() throws SQLException {
		try (Connection setup = dataSource.getConnection()) {
			update(setup, "create table account (id int primary key, balance int)");
			update(setup, "insert into account values (1, 100)");
		}
		try (Connection first = serializable(); Connection second = serializable()) {
			assertThat(query(first, "select balance from account where id = 1")).isEqualTo("100");
			update(second, "update account set balance = balance + 1 where id = 1");
			second.commit();
			SQLException error = failure(() -> update(first, "update account set balance = balance + 1 where id = 1"));
			assertThat(error.getSQLState()).isEqualTo("40001");
			assertThat(this.classifier.isStale(error)).isFalse();
			first.rollback();
			assertThat(query(first, "select balance from account where id = 1")).isEqualTo("101");
			first.commit();
		}
	}

	@Test
	@DisplayName("H8: the stale states and connection exceptions are stale, ordinary states are not")
	void classifiesStatesAndTypes() {
		for (String state : new String[] { "08000", "08001", "08003", "08004", "08006", "08007", "08P01", "57P01",
				"57P02", "57P03" }) {
			assertThat(this.classifier.isStale(new SQLException("dead", state))).as(state).isTrue();
		}
		for (String state : new String[] { "23505", "42601", "40001", "40P01", "22012", "22001", "57014", "57P04",
				"0A000", "XX000" }) {
			assertThat(this.classifier.isStale(new SQLException("ordinary", state))).as(state).isFalse();
		}
		assertThat(this.classifier.isStale(new SQLException("no state"))).isFalse();
		assertThat(this.classifier.isStale(new SQLTransientConnectionException("pool timeout"))).isTrue();
		assertThat(this.classifier.isStale(new SQLNonTransientConnectionException("gone"))).isTrue();
		assertThat(this.classifier.isStale(new IllegalStateException("ordinary"))).isFalse();
		assertThat(this.classifier.isStale(null)).isFalse();
	}

	@Test
	@DisplayName("H8: causes and getNextException chains are walked, cycles included")
	void walksCausesAndNextExceptions() {
		SQLException batch = new SQLException("batch failed", "23505");
		batch.setNextException(new SQLException("second", "22012"));
		assertThat(this.classifier.isStale(batch)).isFalse();
		batch.setNextException(new SQLException("wrapped", null, new SQLException("I/O error", "08006")));
		assertThat(this.classifier.isStale(batch)).isTrue();
		assertThat(this.classifier.isStale(new RuntimeException("wrapper", batch))).isTrue();

		SQLException socket = new SQLException("no state", null, new SocketException("Connection reset"));
		assertThat(this.classifier.isStale(new IllegalStateException(socket))).isTrue();

		SQLException first = new SQLException("first", "23505");
		SQLException second = new SQLException("second", "42601");
		first.setNextException(second);
		second.setNextException(first);
		assertThat(this.classifier.isStale(first)).isFalse();
		SQLException outer = new SQLException("outer", "40P01");
		outer.initCause(new RuntimeException("inner", outer));
		assertThat(this.classifier.isStale(outer)).isFalse();
		second.initCause(new SQLException("late", "57P01"));
		assertThat(this.classifier.isStale(first)).isTrue();
	}

	@Test
	@DisplayName("H8: combined with the defaults by or(...), ordinary errors stay not stale")
	void combinesWithOtherClassifiers() {
		StaleConnectionClassifier combined = StaleConnectionClassifier.defaults().or(this.classifier);
		assertThat(combined.isStale(new SQLException("dead", "57P01"))).isTrue();
		assertThat(combined.isStale(new ConnectException("refused"))).isTrue();
		assertThat(combined.isStale(new SQLException("duplicate", "23505"))).isFalse();
	}

	private Connection serializable() throws SQLException {
		Connection connection = dataSource.getConnection();
		connection.setAutoCommit(false);
		connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
		return connection;
	}

	private static SQLException failure(ThrowingCallable operation) {
		SQLException error = catchThrowableOfType(SQLException.class, operation);
		assertThat((Throwable) error).as("the operation's SQLException").isNotNull();
		return error;
	}

	private static String query(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getString(1);
		}
	}

	private static void update(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.executeUpdate(sql);
		}
	}

}
