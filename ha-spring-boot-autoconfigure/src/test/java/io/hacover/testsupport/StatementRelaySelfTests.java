package io.hacover.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.StatementRelay.Cut;
import io.hacover.testsupport.StatementRelay.CutConnection;
import io.hacover.testsupport.StatementRelay.CutPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Proves against a real PostgreSQL server with {@code synchronous_commit} on, through a
 * plain pgjdbc connection, that {@link StatementRelay} makes the in-doubt cases exactly
 * (J10): a statement cut after the server received it ran, one cut before it was sent did
 * not, and an unarmed relay changes nothing.
 * <p>
 * Each outcome is read over a direct connection once the cut connection's backend has
 * exited, so that nothing it received can still run. Statements go through both of
 * pgjdbc's protocols: extended (Parse, Bind, Execute, Sync) and simple (Query).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatementRelaySelfTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static PostgresServer server;

	private StatementRelay relay;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		server.execute("create table relay_items (k int not null)");
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void startRelay() throws Exception {
		this.relay = StatementRelay.start(server.port());
		server.execute("truncate relay_items");
	}

	@AfterEach
	void closeRelay() {
		this.relay.close();
	}

	@Test
	@DisplayName("J10: the server runs with synchronous_commit on, so the commits these tests decide are durable")
	void serverRunsWithSynchronousCommit() throws Exception {
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("show synchronous_commit")) {
			result.next();
			assertThat(result.getString(1)).isEqualTo("on");
		}
	}

	@ParameterizedTest(name = "preferQueryMode={0}")
	@ValueSource(strings = { "extended", "simple" })
	@DisplayName("J10: an autocommit insert cut after the server received it fails at the client, and is stored "
			+ "exactly once")
	void autocommitInsertCutAfterTheServerReceivedItIsStoredOnce(String queryMode) throws Exception {
		Outcome outcome = cutAutocommitInsert(queryMode, CutPoint.AFTER_SERVER_RECEIVES);
		assertThat(outcome.failure().getSQLState()).isEqualTo("08006");
		assertThat(outcome.keys()).containsExactly(1);
	}

	@ParameterizedTest(name = "preferQueryMode={0}")
	@ValueSource(strings = { "extended", "simple" })
	@DisplayName("J10: an autocommit insert cut before it was sent fails at the client, and is not stored")
	void autocommitInsertCutBeforeItWasSentIsNotStored(String queryMode) throws Exception {
		Outcome outcome = cutAutocommitInsert(queryMode, CutPoint.BEFORE_SEND);
		assertThat(outcome.failure().getSQLState()).isEqualTo("08006");
		assertThat(outcome.keys()).isEmpty();
	}

	@ParameterizedTest(name = "preferQueryMode={0}")
	@ValueSource(strings = { "extended", "simple" })
	@DisplayName("J10: a COMMIT cut after the server received it fails the client's commit(), and the "
			+ "transaction's row is stored")
	void commitCutAfterTheServerReceivedItIsCommitted(String queryMode) throws Exception {
		Outcome outcome = cutCommit(queryMode, CutPoint.AFTER_SERVER_RECEIVES);
		assertThat(outcome.failure().getSQLState()).isEqualTo("08006");
		assertThat(outcome.keys()).containsExactly(3);
	}

	@ParameterizedTest(name = "preferQueryMode={0}")
	@ValueSource(strings = { "extended", "simple" })
	@DisplayName("J10: a COMMIT cut before it was sent fails the client's commit(), and the transaction's row is "
			+ "not stored")
	void commitCutBeforeItWasSentIsRolledBack(String queryMode) throws Exception {
		Outcome outcome = cutCommit(queryMode, CutPoint.BEFORE_SEND);
		assertThat(outcome.failure().getSQLState()).isEqualTo("08006");
		assertThat(outcome.keys()).isEmpty();
	}

	@Test
	@DisplayName("J10: an unarmed relay passes statements and results of many chunks through unchanged")
	void unarmedRelayPassesEverythingThrough() throws Exception {
		StringBuilder text = new StringBuilder();
		for (int i = 0; text.length() < 200_000; i++) {
			text.append(i).append(" \u00e9\u20ac\u4e2d ");
		}
		try (Connection connection = relayed("extended");
				PreparedStatement statement = connection.prepareStatement("select ?::text, repeat('ab', 100000)")) {
			statement.setString(1, text.toString());
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				assertThat(result.getString(1)).isEqualTo(text.toString());
				assertThat(result.getString(2)).isEqualTo("ab".repeat(100_000));
			}
			try (Statement insert = connection.createStatement()) {
				assertThat(insert.executeUpdate("insert into relay_items values (4)")).isEqualTo(1);
			}
		}
		assertThat(storedKeys()).containsExactly(4);
		assertThat(this.relay.connectionsAccepted()).isEqualTo(1);
	}

	@Test
	@DisplayName("J10: a cut fires once: the same statement on a connection opened after it fired runs normally")
	void cutFiresOnceAndLaterConnectionsWorkNormally() throws Exception {
		String insert = "insert into relay_items values (5)";
		Cut cut = this.relay.arm(insert, CutPoint.BEFORE_SEND);
		try (Connection connection = relayed("extended"); Statement statement = connection.createStatement()) {
			assertThatExceptionOfType(SQLException.class).isThrownBy(() -> statement.executeUpdate(insert));
		}
		assertThat(cut.awaitFired(WAIT).number()).isEqualTo(1);
		try (Connection connection = relayed("extended"); Statement statement = connection.createStatement()) {
			assertThat(statement.executeUpdate(insert)).isEqualTo(1);
			assertThat(statement.executeUpdate(insert)).isEqualTo(1);
		}
		assertThat(storedKeys()).containsExactly(5, 5);
	}

	@Test
	@DisplayName("J10: arming a second cut while one is pending is refused, and a disarmed cut never fires")
	void secondArmIsRefusedAndDisarmedCutNeverFires() throws Exception {
		Cut cut = this.relay.arm("insert into relay_items values (6)", CutPoint.BEFORE_SEND);
		assertThatIllegalStateException().isThrownBy(() -> this.relay.arm("COMMIT", CutPoint.BEFORE_SEND))
			.withMessageContaining("is still armed");
		this.relay.disarm();
		try (Connection connection = relayed("extended"); Statement statement = connection.createStatement()) {
			assertThat(statement.executeUpdate("insert into relay_items values (6)")).isEqualTo(1);
		}
		assertThat(cut.fired()).isFalse();
		assertThat(storedKeys()).containsExactly(6);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(CutPoint.class)
	@DisplayName("J10: a pattern that straddles two reads fires the cut; only the point decides whether its chunk "
			+ "reaches the server, and no reply reaches the client")
	void patternStraddlingTwoReadsFiresTheCut(CutPoint point) throws Exception {
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		try (ServerSocket target = new ServerSocket(0, 1, loopback);
				StatementRelay straddling = StatementRelay.start(target.getLocalPort());
				Socket client = new Socket(loopback, straddling.port());
				Socket accepted = target.accept()) {
			Cut cut = straddling.arm("COMMIT", point);
			OutputStream toRelay = client.getOutputStream();
			InputStream atServer = accepted.getInputStream();
			toRelay.write(bytes("xxCOM"));
			toRelay.flush();
			assertThat(atServer.readNBytes(5)).isEqualTo(bytes("xxCOM"));
			toRelay.write(bytes("MIT;"));
			toRelay.flush();
			assertThat(cut.awaitFired(WAIT).number()).isEqualTo(1);
			byte[] expected = (point == CutPoint.AFTER_SERVER_RECEIVES) ? bytes("MIT;") : new byte[0];
			assertThat(atServer.readAllBytes()).isEqualTo(expected);
			writeQuietly(accepted, bytes("reply"));
			assertThat(bytesUntilClosed(client)).isEmpty();
		}
	}

	private Outcome cutAutocommitInsert(String queryMode, CutPoint point) throws Exception {
		String insert = "insert into relay_items values (1)";
		try (Connection connection = relayed(queryMode); Statement statement = connection.createStatement()) {
			int pid = server.backendPid(connection);
			int clientPort = server.clientPort(connection);
			Cut cut = this.relay.arm(insert, point);
			SQLException failure = failure(() -> statement.executeUpdate(insert));
			assertThat(cut.awaitFired(WAIT)).isEqualTo(new CutConnection(1, clientPort));
			awaitBackendExit(pid);
			return new Outcome(failure, storedKeys());
		}
	}

	private Outcome cutCommit(String queryMode, CutPoint point) throws Exception {
		try (Connection connection = relayed(queryMode)) {
			int pid = server.backendPid(connection);
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.executeUpdate("insert into relay_items values (3)");
			}
			Cut cut = this.relay.arm("COMMIT", point);
			SQLException failure = failure(connection::commit);
			assertThat(cut.awaitFired(WAIT).number()).isEqualTo(1);
			awaitBackendExit(pid);
			return new Outcome(failure, storedKeys());
		}
	}

	private Connection relayed(String queryMode) throws SQLException {
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + this.relay.port()
				+ "/postgres?user=postgres&preferQueryMode=" + queryMode);
	}

	private static SQLException failure(JdbcCall call) {
		try {
			call.run();
		}
		catch (SQLException ex) {
			return ex;
		}
		throw new AssertionError("expected the cut connection to fail the call");
	}

	private static void awaitBackendExit(int pid) throws SQLException {
		try (Connection admin = server.dataSource().getConnection();
				PreparedStatement listed = admin
					.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
			listed.setInt(1, pid);
			await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
				try (ResultSet result = listed.executeQuery()) {
					result.next();
					return result.getInt(1) == 0;
				}
			});
		}
	}

	private static List<Integer> storedKeys() throws SQLException {
		List<Integer> keys = new ArrayList<>();
		try (Connection connection = server.dataSource().getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select k from relay_items order by k")) {
			while (result.next()) {
				keys.add(result.getInt(1));
			}
		}
		return keys;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static void writeQuietly(Socket socket, byte[] data) {
		try {
			socket.getOutputStream().write(data);
			socket.getOutputStream().flush();
		}
		catch (IOException ex) {
			// the relay closed its side already
		}
	}

	private static byte[] bytesUntilClosed(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		byte[] buffer = new byte[1024];
		int total = 0;
		try {
			int count;
			while ((count = in.read(buffer, total, buffer.length - total)) > 0) {
				total += count;
			}
		}
		catch (SocketException ex) {
			// a reset ends the stream as well
		}
		byte[] received = new byte[total];
		System.arraycopy(buffer, 0, received, 0, total);
		return received;
	}

	/**
	 * A JDBC call expected to fail.
	 */
	@FunctionalInterface
	private interface JdbcCall {

		void run() throws SQLException;

	}

	/**
	 * What the client saw and what the table holds once the cut connection's backend
	 * exited.
	 */
	private record Outcome(SQLException failure, List<Integer> keys) {

	}

}
