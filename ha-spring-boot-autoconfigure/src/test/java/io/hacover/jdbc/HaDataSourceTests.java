package io.hacover.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.core.BaseConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The HA data source against a real PostgreSQL: a killed backend costs the application
 * nothing it can avoid, and what cannot be re-issued safely fails with a clear, retryable
 * error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HaDataSourceTests {

	private static PostgresServer server;

	private HaConnections connections;

	private HaDataSource dataSource;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.start();
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create schema if not exists app");
			statement.execute("create table if not exists app.items (id int primary key, name text)");
			statement.execute("insert into app.items values (1, 'one'), (2, 'two') on conflict do nothing");
		}
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void createDataSource() {
		RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 100,
				Duration.ofSeconds(20), Duration.ZERO);
		this.connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
		this.dataSource = new HaDataSource(this.connections, server.dataSource(), "app",
				this.connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	@Test
	@DisplayName("H10 H27: after pg_terminate_backend, the same Connection and a PreparedStatement made before go on, "
			+ "with the session state set before")
	void killedBackendIsRecoveredWithItsSessionState() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setReadOnly(true);
			connection.setSchema("app");
			connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			PreparedStatement byId = connection.prepareStatement("select name from items where id = ?");
			byId.setInt(1, 2);
			assertThat(single(byId.executeQuery())).isEqualTo("two");
			int before = server.backendPid(connection);
			server.terminate(before);
			assertThat(single(byId.executeQuery())).isEqualTo("two");
			assertThat(server.backendPid(connection)).isNotEqualTo(before);
			assertThat(connection.isReadOnly()).isTrue();
			assertThat(connection.getSchema()).isEqualTo("app");
			assertThat(connection.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
			try (Statement statement = connection.createStatement()) {
				assertThat(single(statement.executeQuery("show transaction_isolation"))).isEqualTo("repeatable read");
				assertThat(single(statement.executeQuery("select current_schema()"))).isEqualTo("app");
			}
			assertThat(this.connections.find(name(connection)).orElseThrow().recoveriesSucceeded()).isOne();
		}
	}

	@Test
	@DisplayName("H14: an autocommit write whose backend died is not re-issued under SAFE: 40003, connection recovered")
	void writeOutsideATransactionIsNotReissuedUnderSafe() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			PreparedStatement insert = connection.prepareStatement("insert into app.items values (?, ?)");
			insert.setInt(1, 100);
			insert.setString(2, "hundred");
			server.terminate(server.backendPid(connection));
			Throwable thrown = catchThrowable(insert::executeUpdate);
			assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			insert.setInt(1, 101);
			assertThat(insert.executeUpdate()).isOne();
		}
	}

	@Test
	@DisplayName("H14: inside a transaction the connection is recovered and the statement fails with 40003, never "
			+ "continuing a transaction the server rolled back")
	void transactionIsNeverContinuedAfterRecovery() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.executeUpdate("insert into app.items values (200, 'in transaction')");
				server.terminate(server.backendPid(connection));
				Throwable thrown = catchThrowable(
						() -> statement.executeUpdate("insert into app.items values (201, 'x')"));
				assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
						(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
				connection.rollback();
				assertThat(single(statement.executeQuery("select count(*) from app.items where id in (200, 201)")))
					.isEqualTo("0");
			}
		}
	}

	@Test
	@DisplayName("H14: even under ALWAYS, a transaction the server rolled back is never continued; outside one, "
			+ "ALWAYS re-issues the write")
	void alwaysReissuesWritesButNeverContinuesATransaction() throws SQLException {
		HaDataSource always = new HaDataSource(this.connections, server.dataSource(), "always",
				this.connections.defaults().withRetransmit(RetransmitPolicy.ALWAYS));
		try (Connection connection = always.getConnection(); Statement statement = connection.createStatement()) {
			server.terminate(server.backendPid(connection));
			assertThat(statement.executeUpdate("insert into app.items values (300, 'always')")).isOne();
			connection.setAutoCommit(false);
			statement.executeUpdate("insert into app.items values (301, 'in transaction')");
			server.terminate(server.backendPid(connection));
			Throwable thrown = catchThrowable(() -> statement.executeUpdate("insert into app.items values (302, 'x')"));
			assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			connection.rollback();
			assertThat(single(statement.executeQuery("select count(*) from app.items where id between 300 and 302")))
				.isEqualTo("1");
		}
	}

	@Test
	@DisplayName("H8: constraint violations and syntax errors reach the caller unchanged, with no recovery")
	void ordinaryErrorsAreUntouched() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			Throwable duplicate = catchThrowable(
					() -> statement.executeUpdate("insert into app.items values (1, 'again')"));
			assertThat(duplicate).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("23505"));
			Throwable syntax = catchThrowable(() -> statement.executeQuery("selec 1"));
			assertThat(syntax).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("42601"));
			assertThat(this.connections.find(name(connection)).orElseThrow().recoveries()).isZero();
		}
	}

	@Test
	@DisplayName("H8: a serialization failure reaches the caller unchanged, with no recovery")
	void serializationFailureIsUntouched() throws SQLException {
		try (Connection first = this.dataSource.getConnection(); Connection second = this.dataSource.getConnection()) {
			first.setAutoCommit(false);
			second.setAutoCommit(false);
			first.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
			second.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
			try (Statement one = first.createStatement(); Statement two = second.createStatement()) {
				assertThat(single(one.executeQuery("select name from app.items where id = 1"))).isEqualTo("one");
				assertThat(single(two.executeQuery("select name from app.items where id = 1"))).isEqualTo("one");
				one.executeUpdate("update app.items set name = 'one' where id = 1");
				first.commit();
				Throwable thrown = catchThrowable(
						() -> two.executeUpdate("update app.items set name = 'one' where id = 1"));
				assertThat(thrown).isInstanceOfSatisfying(SQLException.class,
						(error) -> assertThat(error.getSQLState()).isEqualTo("40001"));
				second.rollback();
			}
			long recoveries = this.connections.connections().stream().mapToLong((info) -> info.recoveries()).sum();
			assertThat(recoveries).isZero();
		}
	}

	@Test
	@DisplayName("H10: DatabaseMetaData taken before a killed backend keeps working, and result sets already read "
			+ "stay readable and point at the HA statement")
	void metaDataAndResultSetsKeepWorking() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			DatabaseMetaData metaData = connection.getMetaData();
			ResultSet rows = statement.executeQuery("select id from app.items where id in (1, 2) order by id");
			assertThat(rows.getStatement()).isSameAs(statement);
			server.terminate(server.backendPid(connection));
			assertThat(rows.next()).isTrue();
			assertThat(rows.getInt(1)).isEqualTo(1);
			rows.close();
			try (ResultSet tables = metaData.getTables(null, "app", "items", null)) {
				assertThat(tables.next()).isTrue();
				assertThat(tables.getString("TABLE_NAME")).isEqualTo("items");
			}
			assertThat(metaData.getConnection()).isSameAs(connection);
			assertThat(this.connections.find(name(connection)).orElseThrow().recoveriesSucceeded()).isOne();
		}
	}

	@Test
	@DisplayName("J1: a backend killed inside a transaction begun in SQL: the next statement is not re-issued, later "
			+ "ones are refused until a rollback, and COMMIT never reports success with part of the work missing")
	void transactionBegunInSqlIsNeverHalfCommitted() throws SQLException {
		freshTable("app.ledger", "id int primary key");
		this.dataSource.replay(false, 1, 1);
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			statement.executeUpdate("insert into app.ledger values (1)");
			server.terminate(server.backendPid(connection));
			assertThat(catchThrowable(() -> statement.executeQuery("select count(*) from app.ledger")))
				.isInstanceOfSatisfying(SQLException.class,
						(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			assertThat(catchThrowable(() -> statement.executeUpdate("insert into app.ledger values (2)")))
				.isInstanceOfSatisfying(SQLException.class,
						(error) -> assertThat(error.getSQLState()).isEqualTo("25P02"));
			assertThat(catchThrowable(() -> statement.execute("COMMIT"))).isInstanceOfSatisfying(
					TransactionRolledBackException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("40000"));
			statement.executeUpdate("insert into app.ledger values (3)");
		}
		assertThat(ids("app.ledger")).containsExactly(3);
	}

	@Test
	@DisplayName("J1: with auto-commit off, a write that is the first statement of a transaction, after its backend "
			+ "was killed, is issued again on the fresh session, where it begins the transaction: no 40003")
	void firstWriteWithAutoCommitOffIsIssuedAgain() throws SQLException {
		freshTable("app.first_write", "id int primary key");
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			int pid = server.backendPid(connection);
			connection.commit();
			server.terminate(pid);
			statement.executeUpdate("insert into app.first_write values (1)");
			statement.executeUpdate("insert into app.first_write values (2)");
			connection.commit();
		}
		assertThat(ids("app.first_write")).containsExactly(1, 2);
	}

	@Test
	@DisplayName("J1: outside a transaction, a read after a killed backend is still re-issued; a rollback ends a "
			+ "lost transaction quietly")
	void readOutsideATransactionIsReissuedAndRollbackEndsALostOne() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			server.terminate(server.backendPid(connection));
			assertThat(single(statement.executeQuery("select name from app.items where id = 1"))).isEqualTo("one");
			connection.setAutoCommit(false);
			statement.executeQuery("select 1").close();
			server.terminate(server.backendPid(connection));
			assertThat(catchThrowable(() -> statement.executeQuery("select 2"))).isInstanceOfSatisfying(
					SQLException.class, (error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			connection.rollback();
			assertThat(single(statement.executeQuery("select name from app.items where id = 2"))).isEqualTo("two");
		}
	}

	@Test
	@DisplayName("J1: with a driver whose transaction status cannot be read, the cover treats every failure as "
			+ "inside a transaction and re-issues no statement")
	void unknownDriverIsTreatedAsInsideATransaction() throws SQLException {
		DataSource hidingTheDriver = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { DataSource.class }, (proxy, method, args) -> {
					Object result = invoke(server.dataSource(), method, args);
					return (result instanceof Connection physical) ? hideDriver(physical) : result;
				});
		HaDataSource other = new HaDataSource(this.connections, hidingTheDriver, "other",
				this.connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
		try (Connection connection = other.getConnection(); Statement statement = connection.createStatement()) {
			assertThat(connection.isWrapperFor(BaseConnection.class)).isFalse();
			server.terminate(server.backendPid(connection));
			assertThat(catchThrowable(() -> statement.executeQuery("select 1"))).isInstanceOfSatisfying(
					SQLException.class, (error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			connection.rollback();
			assertThat(single(statement.executeQuery("select name from app.items where id = 1"))).isEqualTo("one");
		}
	}

	private static Connection hideDriver(Connection physical) {
		return (Connection) Proxy.newProxyInstance(HaDataSourceTests.class.getClassLoader(),
				new Class<?>[] { Connection.class }, (proxy, method, args) -> switch (method.getName()) {
					case "isWrapperFor" -> false;
					case "unwrap" -> throw new SQLException("not a wrapper");
					default -> invoke(physical, method, args);
				});
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	@Test
	@DisplayName("J6: SET search_path and SET ROLE made in SQL are made again after a killed backend: the right "
			+ "schema's rows, never the shadowed ones")
	void sqlSettingsAreRebuilt() throws SQLException {
		try (Connection direct = server.dataSource().getConnection(); Statement setup = direct.createStatement()) {
			setup.execute("create schema if not exists tenant_a");
			setup.execute("create table if not exists public.shadowed (v text)");
			setup.execute("create table if not exists tenant_a.shadowed (v text)");
			setup.execute("truncate public.shadowed, tenant_a.shadowed");
			setup.execute("insert into public.shadowed values ('public')");
			setup.execute("insert into tenant_a.shadowed values ('tenant a')");
			setup.execute("do $$ begin create role reporting; exception when duplicate_object then null; end $$");
			setup.execute("grant usage on schema tenant_a to reporting");
			setup.execute("grant select on tenant_a.shadowed to reporting");
		}
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("SET search_path TO tenant_a");
			statement.execute("set role reporting");
			server.terminate(server.backendPid(connection));
			assertThat(single(statement.executeQuery("select v from shadowed"))).isEqualTo("tenant a");
			assertThat(single(statement.executeQuery("select current_user"))).isEqualTo("reporting");
			statement.execute("reset role");
		}
	}

	@Test
	@DisplayName("J6: state that cannot be rebuilt (set_config(..., false)) makes the connection refuse transparent "
			+ "recovery with a clear error, never a silent NULL")
	void unrebuildableStateRefusesTransparentRecovery() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.executeQuery("select set_config('app.tenant', 'a', false)").close();
			server.terminate(server.backendPid(connection));
			Throwable thrown = catchThrowable(
					() -> statement.executeQuery("select current_setting('app.tenant', true)"));
			assertThat(thrown).isInstanceOf(SQLException.class);
			assertThat(thrown.getSuppressed()).singleElement()
				.satisfies((reason) -> assertThat(reason.getCause()).isInstanceOf(SQLException.class)
					.hasMessageContaining("cannot be rebuilt")
					.hasMessageContaining("set_config"));
		}
	}

	@Test
	@DisplayName("J3: an insert on a connection whose backend died while it sat idle is sent once, on the recovered "
			+ "connection, with no 40003: it never left the client")
	void insertAfterTheBackendDiedIdleIsSentOnce() throws SQLException {
		freshTable("app.idle", "id int");
		this.dataSource.checkAfterIdle(Duration.ZERO);
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			server.terminate(server.backendPid(connection));
			assertThat(statement.executeUpdate("insert into app.idle values (1)")).isOne();
			assertThat(this.connections.find(name(connection)).orElseThrow().recoveriesSucceeded()).isOne();
		}
		assertThat(ids("app.idle")).containsExactly(1);
	}

	@Test
	@DisplayName("J3: a statement found unsent inside a transaction is not sent on the fresh session: the server "
			+ "rolled the transaction back")
	void unsentStatementInsideATransactionIsNotSent() throws SQLException {
		freshTable("app.idle", "id int");
		this.dataSource.checkAfterIdle(Duration.ZERO);
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			statement.executeUpdate("insert into app.idle values (1)");
			server.terminate(server.backendPid(connection));
			assertThat(catchThrowable(() -> statement.executeUpdate("insert into app.idle values (2)")))
				.isInstanceOfSatisfying(SQLException.class,
						(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			connection.rollback();
		}
		assertThat(ids("app.idle")).isEmpty();
	}

	@Test
	@DisplayName("J8: a batch that failed stale is not sent again, neither by the cover nor by the next executeBatch")
	void failedBatchIsNeverSentAgain() throws SQLException {
		freshTable("app.batched", "id int");
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement("insert into app.batched values (?)")) {
			insert.setInt(1, 1);
			insert.addBatch();
			insert.setInt(1, 2);
			insert.addBatch();
			server.terminate(server.backendPid(connection));
			Throwable failed = catchThrowable(insert::executeBatch);
			assertThat(failed).isInstanceOfSatisfying(SQLException.class,
					(error) -> assertThat(error.getSQLState()).isEqualTo("40003"));
			insert.setInt(1, 3);
			insert.addBatch();
			assertThat(insert.executeBatch()).hasSize(1);
		}
		assertThat(ids("app.batched")).containsExactly(3);
	}

	@Test
	@DisplayName("H10 H27: a prepared statement made again on the recovered session gets its pending batch and the "
			+ "parameters set by position before the failure, the one set last winning; parameters cleared stay "
			+ "cleared")
	void parametersAndPendingBatchAreMadeAgain() throws SQLException {
		freshTable("app.params", "id int, note text");
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement("insert into app.params values (?, ?)")) {
			insert.setInt(1, 1);
			insert.setString(2, "kept");
			insert.addBatch();
			insert.setInt(1, 2);
			server.terminate(server.backendPid(connection));
			try (Statement other = connection.createStatement(); ResultSet one = other.executeQuery("select 1")) {
				assertThat(one.next()).isTrue();
			}
			insert.addBatch();
			assertThat(insert.executeBatch()).hasSize(2);
			insert.clearParameters();
			server.terminate(server.backendPid(connection));
			try (Statement other = connection.createStatement(); ResultSet one = other.executeQuery("select 1")) {
				assertThat(one.next()).isTrue();
			}
			insert.setInt(1, 3);
			assertThat(catchThrowable(insert::executeUpdate)).as("parameter 2 was cleared")
				.isInstanceOf(SQLException.class);
			insert.setObject(2, "with its type", Types.VARCHAR);
			insert.setString(2, "set last");
			server.terminate(server.backendPid(connection));
			try (Statement other = connection.createStatement(); ResultSet one = other.executeQuery("select 1")) {
				assertThat(one.next()).isTrue();
			}
			assertThat(insert.executeUpdate()).isOne();
		}
		assertThat(ids("app.params")).containsExactly(1, 2, 3);
		try (Connection direct = server.dataSource().getConnection();
				Statement check = direct.createStatement();
				ResultSet notes = check.executeQuery("select note from app.params order by id")) {
			List<String> stored = new ArrayList<>();
			while (notes.next()) {
				stored.add(notes.getString(1));
			}
			assertThat(stored).containsExactly("kept", "kept", "set last");
		}
	}

	@Test
	@DisplayName("H10: the HA connection and its statements, result sets and metadata are generated classes, not JDK "
			+ "proxies, so that their direct calls box and allocate nothing")
	void coversAreGeneratedClasses() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				PreparedStatement prepared = connection.prepareStatement("select ?");
				CallableStatement callable = connection.prepareCall("select 1");
				ResultSet rows = statement.executeQuery("select 1")) {
			assertThat(List.of(connection, statement, prepared, callable, rows, connection.getMetaData()))
				.allSatisfy((cover) -> assertThat(Proxy.isProxyClass(cover.getClass())).as(cover.toString()).isFalse());
			assertThat(connection).isInstanceOf(io.hacover.core.HaConnection.class);
			assertThat(rows.getStatement()).isSameAs(statement);
		}
	}

	private static void freshTable(String table, String columns) throws SQLException {
		try (Connection direct = server.dataSource().getConnection(); Statement setup = direct.createStatement()) {
			setup.execute("create table if not exists " + table + " (" + columns + ")");
			setup.execute("truncate " + table);
		}
	}

	private static List<Integer> ids(String table) throws SQLException {
		try (Connection direct = server.dataSource().getConnection();
				Statement check = direct.createStatement();
				ResultSet rows = check.executeQuery("select id from " + table + " order by id")) {
			List<Integer> ids = new ArrayList<>();
			while (rows.next()) {
				ids.add(rows.getInt(1));
			}
			return ids;
		}
	}

	private String name(Connection connection) {
		return this.connections.connections()
			.stream()
			.filter((info) -> this.connections.find(info.name()).isPresent())
			.map((info) -> info.name())
			.reduce((first, second) -> second)
			.orElseThrow();
	}

	private static String single(ResultSet resultSet) throws SQLException {
		try (resultSet) {
			assertThat(resultSet.next()).isTrue();
			return resultSet.getString(1);
		}
	}

}
