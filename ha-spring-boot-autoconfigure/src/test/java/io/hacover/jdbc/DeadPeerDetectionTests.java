package io.hacover.jdbc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.KernelTcpSockets;
import io.hacover.testsupport.KernelTcpSockets.KernelSocket;
import io.hacover.testsupport.KernelTcpSockets.Timer;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Dead PostgreSQL peers are found by TCP keepalive tuned per socket, not by a timeout
 * that would cut long queries (H35): the physical connections of the HA data source have
 * keepalive on with the configured idle time, as the kernel itself reports it, and a
 * query that runs longer than that idle time still completes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadPeerDetectionTests {

	private static PostgresServer server;

	private HaConnections connections;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void createTable() {
		assumeThat(KernelTcpSockets.available()).as("the kernel's socket table is readable in /proc/net").isTrue();
		RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 100,
				Duration.ofSeconds(20), Duration.ZERO);
		this.connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
				StaleConnectionClassifier.defaults());
	}

	@Test
	@DisplayName("H35: by default, the physical connection of a 'jdbc' data source over PostgreSQL has TCP "
			+ "keepalive on with a 4 s idle time (dead after 10 s), in the kernel's own socket table; a plain "
			+ "connection has none")
	void physicalConnectionHasKeepAliveByDefault() throws SQLException {
		HaDataSource dataSource = haDataSource(server.jdbcUrl());
		try (Connection connection = dataSource.getConnection()) {
			awaitKeepAlive(connection, KeepAliveSocketFactory.DEFAULT_IDLE);
		}
		try (Connection plain = server.dataSource().getConnection()) {
			int clientPort = server.clientPort(plain);
			assertThat(KernelTcpSockets.find(clientPort, server.port()).orElseThrow().timer())
				.isNotEqualTo(Timer.KEEPALIVE);
		}
	}

	@Test
	@DisplayName("H35: keepalive with the idle time the URL gives (1 s) does not cut a query that runs 3 s, and "
			+ "the connection needs no recovery")
	void keepAliveDoesNotCutALongQuery() throws SQLException {
		HaDataSource dataSource = haDataSource(server.jdbcUrl() + "&socketFactoryArg=idle=1,interval=1,count=2");
		try (Connection connection = dataSource.getConnection()) {
			awaitKeepAlive(connection, Duration.ofSeconds(1));
			try (Statement statement = connection.createStatement();
					ResultSet result = statement.executeQuery("select pg_sleep(3), 'slept'")) {
				assertThat(result.next()).isTrue();
				assertThat(result.getString(2)).isEqualTo("slept");
			}
			awaitKeepAlive(connection, Duration.ofSeconds(1));
		}
		assertThat(this.connections.connections()).allSatisfy((info) -> assertThat(info.recoveries()).isZero());
	}

	@Test
	@DisplayName("H35: opening a connection to a PostgreSQL server black-holed after the TCP handshake ends at the "
			+ "login timeout with 08001, instead of waiting for ever for the server's answer")
	void loginToABlackHoledServerEndsAtTheLoginTimeout() throws IOException {
		try (TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			proxy.blackHole(true);
			String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
			Properties properties = PostgresDeadPeerDetection.defaults()
				.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
				.applyTo(url, null);
			// Bounds a login that would wait for ever; not a measure of speed.
			Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
					() -> catchThrowable(() -> DriverManager.getConnection(url, properties).close()));
			assertThat(failure).isInstanceOfSatisfying(SQLException.class,
					(ex) -> assertThat(ex.getSQLState()).isEqualTo("08001"));
			assertThat(proxy.connectionsAccepted()).isPositive();
		}
	}

	@Test
	@DisplayName("H35: dead-peer detection adds keepalive and timeouts to a PostgreSQL URL's properties, keeps "
			+ "what the URL or the properties set, and leaves other databases alone")
	void deadPeerDetectionKeepsTheApplicationsOwnSettings() {
		Properties given = new Properties();
		given.setProperty("user", "app");
		given.setProperty("tcpKeepAlive", "false");
		Properties added = PostgresDeadPeerDetection
			.withDeadPeerDetection("jdbc:postgresql://db:5432/app?connectTimeout=3&socketFactoryArg=idle=5", given);
		assertThat(added).containsEntry("user", "app")
			.containsEntry("tcpKeepAlive", "false")
			.containsEntry("socketFactory", KeepAliveSocketFactory.class.getName())
			.containsEntry("loginTimeout", "30")
			.doesNotContainKeys("connectTimeout", "socketFactoryArg", "socketTimeout");
		assertThat(given).hasSize(2);
		Properties tuned = PostgresDeadPeerDetection.defaults()
			.withKeepAlive(Duration.ofSeconds(5), Duration.ofMillis(1500), 4)
			.applyTo("jdbc:postgresql://db/app", null);
		assertThat(tuned).containsEntry("socketFactoryArg", "idle=5,interval=2,count=4")
			.containsEntry("tcpKeepAlive", "true")
			.containsEntry("connectTimeout", "10");
		Properties ownFactory = new Properties();
		ownFactory.setProperty("socketFactory", "com.example.TunnelSocketFactory");
		assertThat(PostgresDeadPeerDetection.withDeadPeerDetection("jdbc:postgresql://db/app", ownFactory))
			.containsEntry("socketFactory", "com.example.TunnelSocketFactory")
			.doesNotContainKey("socketFactoryArg");
		assertThat(PostgresDeadPeerDetection.withDeadPeerDetection("jdbc:h2:mem:app", given)).isEqualTo(given);
	}

	@Test
	@DisplayName("H35: ha.jdbc.dead-peer-timeout becomes keepalive that declares a silent server dead after that "
			+ "time (three probes where it allows) and the TCP connect timeout")
	void deadPeerTimeoutSetsKeepAliveAndConnectTimeout() {
		assertThat(PostgresDeadPeerDetection.defaults())
			.isEqualTo(PostgresDeadPeerDetection.within(Duration.ofSeconds(10)))
			.isEqualTo(new PostgresDeadPeerDetection(Duration.ofSeconds(4), Duration.ofSeconds(2), 3,
					Duration.ofSeconds(10), PostgresDeadPeerDetection.DEFAULT_LOGIN_TIMEOUT));
		for (int seconds : new int[] { 2, 3, 4, 6, 7, 10, 11, 60, 600 }) {
			PostgresDeadPeerDetection detection = PostgresDeadPeerDetection.within(Duration.ofSeconds(seconds));
			assertThat(detection.keepAliveIdle()
				.plus(detection.keepAliveInterval().multipliedBy(detection.keepAliveCount())))
				.as("silence until dead, for %d s", seconds)
				.isEqualTo(Duration.ofSeconds(seconds));
			assertThat(detection.connectTimeout()).isEqualTo(Duration.ofSeconds(seconds));
			assertThat(detection.keepAliveCount()).isEqualTo(Math.min(3, seconds - 1));
		}
		assertThat(PostgresDeadPeerDetection.within(Duration.ofMillis(2500)).connectTimeout())
			.isEqualTo(Duration.ofSeconds(3));
		assertThat(PostgresDeadPeerDetection.within(Duration.ofMinutes(2)).loginTimeout())
			.isEqualTo(Duration.ofMinutes(2));
	}

	@Test
	@DisplayName("H35: a socketFactoryArg that is not idle=..,interval=..,count=.. fails with a message that shows "
			+ "the expected form")
	void malformedSocketFactoryArgumentFailsClearly() {
		assertThatIllegalArgumentException().isThrownBy(() -> new KeepAliveSocketFactory("idle=0"))
			.withMessageContaining("idle=<seconds>,interval=<seconds>,count=<probes>");
		assertThatIllegalArgumentException().isThrownBy(() -> new KeepAliveSocketFactory("idel=5"))
			.withMessageContaining("'idel=5'");
	}

	private HaDataSource haDataSource(String url) {
		return HaDataSource.of(this.connections, "orders", url, null, null,
				this.connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	/**
	 * Waits until the kernel shows the keepalive timer on the socket of the connection (a
	 * timer of another kind runs while data is in flight), due within the given idle
	 * time: the system's default idle time is two hours.
	 */
	static void awaitKeepAlive(Connection connection, Duration idle) throws SQLException {
		int clientPort = server.clientPort(connection);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			KernelSocket socket = KernelTcpSockets.find(clientPort, server.port()).orElseThrow();
			assertThat(socket.timer()).isEqualTo(Timer.KEEPALIVE);
			assertThat(socket.dueIn()).isLessThanOrEqualTo(idle);
		});
	}

}
