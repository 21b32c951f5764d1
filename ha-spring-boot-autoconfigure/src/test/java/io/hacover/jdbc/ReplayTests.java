package io.hacover.jdbc;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaEvent;
import io.hacover.core.HaConnections;
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

/**
 * Verified replay of an interrupted transaction (J7), against PostgreSQL with
 * {@code synchronous_commit=on}: the transaction's statements run again on the recovered
 * connection and it goes on only when everything the application saw comes out the same.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplayTests {

	private static PostgresServer server;

	private StatementRelay relay;

	private HaConnections connections;

	private HaDataSource dataSource;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		server.execute("create table accounts (id int primary key, balance int not null)");
		server.execute("create table moves (id serial primary key, account int not null, amount int not null)");
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void startRelay() throws Exception {
		this.relay = StatementRelay.start(server.port());
		server.execute("truncate accounts, moves restart identity");
		server.execute("insert into accounts values (1, 100), (2, 100)");
		RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 100,
				Duration.ofSeconds(30), Duration.ZERO);
		this.connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
		this.dataSource = HaDataSource.of(this.connections, "accounts", server.jdbcUrl(this.relay.port()), null, null,
				this.connections.defaults());
	}

	@AfterEach
	void stopRelay() {
		this.relay.close();
	}

	@Test
	@DisplayName("J7: a backend killed between two writes of a transaction that read a balance: the transaction is "
			+ "replayed, the next write goes on with no error, and commit stores both moves once")
	void transactionInterruptedBetweenTwoWritesIsReplayed() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			assertThat(balance(connection, 1)).isEqualTo(100);
			move(connection, 1, -10);
			server.terminate(pid);
			move(connection, 2, 10);
			connection.commit();
		}
		assertThat(server.queryForInt("select count(*) from moves")).isEqualTo(2);
		assertThat(server.queryForInt("select sum(amount) from moves where account = 1")).isEqualTo(-10);
	}

	@Test
	@DisplayName("J7, J10: a COMMIT cut before it was sent: the transaction is replayed and committed, no error, "
			+ "one row")
	void commitThatNeverLeftIsReplayedAndCommitted() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			move(connection, 1, -5);
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			connection.commit();
			assertThat(cut.fired()).isTrue();
		}
		assertThat(server.queryForInt("select count(*) from moves")).isOne();
	}

	@Test
	@DisplayName("J7, J10: a replay cut off by a second outage (its third statement never sent) is replayed again on "
			+ "the connection recovered once more: the commit returns, the transaction is stored once")
	void replayInterruptedByASecondOutageIsReplayedAgain() throws Exception {
		AtomicReference<StatementRelay.Cut> second = new AtomicReference<>();
		List<HaEvent.Kind> replays = replays(() -> {
			if (second.get() == null) {
				// The replay reads, inserts, then updates: its update is cut before it is
				// sent.
				second.set(this.relay.arm("update accounts", CutPoint.BEFORE_SEND));
			}
		});
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			assertThat(balance(connection, 1)).isEqualTo(100);
			move(connection, 1, -5);
			try (Statement update = connection.createStatement()) {
				assertThat(update.executeUpdate("update accounts set balance = balance - 5 where id = 1")).isOne();
			}
			StatementRelay.Cut first = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			connection.commit();
			assertThat(first.fired()).isTrue();
			assertThat(second.get().fired()).isTrue();
		}
		assertThat(replays).containsExactly(HaEvent.Kind.REPLAYED);
		assertThat(server.queryForInt("select count(*) from moves")).isOne();
		assertThat(server.queryForInt("select balance from accounts where id = 1")).isEqualTo(95);
	}

	@Test
	@DisplayName("J7, J10: a replay cut off by the connection failing again in each of its 3 replays ends: the "
			+ "application gets the rolled-back error saying so, and nothing of the transaction is stored")
	void replayCutOffEveryTimeEndsWithTheRolledBackError() throws Exception {
		List<HaEvent.Kind> replays = replays(() -> this.relay.arm("update accounts", CutPoint.BEFORE_SEND));
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			move(connection, 1, -5);
			try (Statement update = connection.createStatement()) {
				assertThat(update.executeUpdate("update accounts set balance = balance - 5 where id = 1")).isOne();
			}
			this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			Throwable thrown = catchThrowable(connection::commit);
			assertThat(thrown).isInstanceOf(TransactionRolledBackException.class)
				.hasMessageContaining("the server says transaction")
				.hasMessageContaining(
						"the connection failed during each of " + TransactionReplay.MAX_REPLAYS + " replays");
			connection.rollback();
		}
		assertThat(replays).containsExactly(HaEvent.Kind.REPLAY_ROLLED_BACK);
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
		assertThat(server.queryForInt("select balance from accounts where id = 1")).isEqualTo(100);
	}

	@Test
	@DisplayName("J7: another transaction changed a balance the interrupted one had read: the replay differs, is "
			+ "rolled back, and the application gets the rolled-back error naming the statement; nothing doubled")
	void replayThatReadsOtherValuesIsRolledBack() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			assertThat(balance(connection, 1)).isEqualTo(100);
			move(connection, 1, -10);
			server.terminate(pid);
			server.execute("update accounts set balance = 50 where id = 1");
			nextMoveIsRolledBack(connection, "statement 1", "select balance from accounts");
		}
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
	}

	@Test
	@DisplayName("J7: an insert whose serial key the application read, then a killed backend: the replay gets a new "
			+ "key, differs, and is rolled back with a clear error")
	void replayOfAReadSerialKeyDiffers() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			try (PreparedStatement insert = connection.prepareStatement(
					"insert into moves (account, amount) values (1, 1)", Statement.RETURN_GENERATED_KEYS)) {
				insert.executeUpdate();
				try (ResultSet keys = insert.getGeneratedKeys()) {
					assertThat(keys.next()).isTrue();
					assertThat(keys.getInt(1)).isOne();
				}
			}
			server.terminate(pid);
			nextMoveIsRolledBack(connection, "getGeneratedKeys", "not the same");
		}
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
	}

	@Test
	@DisplayName("J7: a transaction whose log went past its bound is not replayed: the error names the bound and the "
			+ "property")
	void transactionPastTheBoundIsNotReplayed() throws Exception {
		this.dataSource.replay(true, 3, 1024 * 1024);
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			for (int move = 0; move < 4; move++) {
				move(connection, 1, -1);
			}
			server.terminate(pid);
			nextMoveIsRolledBack(connection, "more than 3 statements", "ha.jdbc.replay.max-statements");
		}
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
	}

	@Test
	@DisplayName("J7: a transaction that unwrapped its connection to the driver's own is not replayed, and says why")
	void unwrappedTransactionIsNotReplayed() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			move(connection, 1, -1);
			try (Statement statement = connection.createStatement()) {
				statement.unwrap(org.postgresql.PGStatement.class);
			}
			server.terminate(pid);
			nextMoveIsRolledBack(connection, "unwrapped");
		}
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
	}

	@Test
	@DisplayName("J7: a transaction that read an OUT parameter of a callable statement is not replayed, and says why")
	void outParameterMakesATransactionNotReplayable() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			move(connection, 1, -1);
			try (CallableStatement call = connection.prepareCall("{? = call upper(?)}")) {
				call.registerOutParameter(1, Types.VARCHAR);
				call.setString(2, "replay");
				call.execute();
				assertThat(call.getString(1)).isEqualTo("REPLAY");
			}
			server.terminate(pid);
			nextMoveIsRolledBack(connection, "OUT parameter");
		}
		assertThat(server.queryForInt("select count(*) from moves")).isZero();
	}

	@Test
	@DisplayName("J7: a result set read 25 rows of 100 (fetched 25 at a time), a killed backend, and the next next() "
			+ "goes on at row 26 with the same values, from the replayed transaction")
	void openResultSetGoesOnAtItsRow() throws Exception {
		server.execute("insert into moves (account, amount) select 1, g from generate_series(1, 100) g");
		try (Connection connection = this.dataSource.getConnection()) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			try (PreparedStatement select = connection.prepareStatement("select amount from moves order by id")) {
				select.setFetchSize(25);
				try (ResultSet rows = select.executeQuery()) {
					for (int row = 1; row <= 25; row++) {
						assertThat(rows.next()).isTrue();
						assertThat(rows.getInt(1)).isEqualTo(row);
					}
					server.terminate(pid);
					for (int row = 26; row <= 100; row++) {
						assertThat(rows.next()).as("row %d", row).isTrue();
						assertThat(rows.getInt(1)).isEqualTo(row);
					}
					assertThat(rows.next()).isFalse();
				}
			}
			connection.commit();
		}
		assertThat(server.queryForInt("select count(*) from moves")).isEqualTo(100);
	}

	/**
	 * The next write of the interrupted transaction gets the rolled-back error, which
	 * says what it is told; the application then rolls back.
	 */
	private static void nextMoveIsRolledBack(Connection connection, String... said) throws SQLException {
		Throwable thrown = catchThrowable(() -> move(connection, 2, 1));
		assertThat(thrown).isInstanceOf(TransactionRolledBackException.class);
		for (String words : said) {
			assertThat(thrown).hasMessageContaining(words);
		}
		connection.rollback();
	}

	/**
	 * Runs the action at the start of each recovery, and returns how the replays ended,
	 * as the listeners are told.
	 */
	private List<HaEvent.Kind> replays(Runnable atRecoveryStarted) {
		List<HaEvent.Kind> replays = new CopyOnWriteArrayList<>();
		this.connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				atRecoveryStarted.run();
			}
			else if (event.kind() == HaEvent.Kind.REPLAYED || event.kind() == HaEvent.Kind.REPLAY_ROLLED_BACK) {
				replays.add(event.kind());
			}
		});
		return replays;
	}

	private static int balance(Connection connection, int account) throws SQLException {
		try (PreparedStatement select = connection.prepareStatement("select balance from accounts where id = ?")) {
			select.setInt(1, account);
			try (ResultSet rows = select.executeQuery()) {
				assertThat(rows.next()).isTrue();
				return rows.getInt(1);
			}
		}
	}

	private static void move(Connection connection, int account, int amount) throws SQLException {
		try (PreparedStatement insert = connection
			.prepareStatement("insert into moves (account, amount) values (?, ?)")) {
			insert.setInt(1, account);
			insert.setInt(2, amount);
			assertThat(insert.executeUpdate()).isOne();
		}
	}

}
