package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Failover to a promoted standby (J9), on a primary and a streaming standby made from the
 * embedded binaries alone ({@link PostgresServer#standbyOf}), with synchronous
 * replication and {@code synchronous_commit=on}; the primary is crashed (immediate stop)
 * and the standby promoted ({@code pg_promote()}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailoverTests {

	private PostgresServer primary;

	private PostgresServer standby;

	@BeforeEach
	void startPair() throws Exception {
		this.primary = PostgresServer.startWithSynchronousCommit();
		this.primary.execute("create table items (id int primary key)");
		this.standby = PostgresServer.standbyOf(this.primary, this.primary.port(), "standby");
		this.primary.execute("alter system set synchronous_standby_names = 'standby'");
		this.primary.execute("select pg_reload_conf()");
		await().atMost(Duration.ofSeconds(30))
			.ignoreExceptions()
			.until(() -> this.primary.queryForInt("select count(*) from pg_stat_replication "
					+ "where application_name = 'standby' and state = 'streaming' and sync_state = 'sync'") == 1);
	}

	@AfterEach
	void stopPair() {
		this.standby.close();
		this.primary.close();
	}

	@Test
	@DisplayName("J9, J6, J10: a held HA connection on a multi-host URL (targetServerType=primary) follows the "
			+ "promoted standby after the primary crashed: its SQL session state and prepared statement go on there, "
			+ "on the new timeline, and every acknowledged write is there once")
	void heldConnectionFollowsThePromotedStandby() throws Exception {
		HaConnections connections = HaConnections.create(ConnectionSettings.defaults()
			.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 1000,
					Duration.ofSeconds(60), Duration.ZERO)),
				StaleConnectionClassifier.defaults());
		String url = "jdbc:postgresql://localhost:" + this.primary.port() + ",localhost:" + this.standby.port()
				+ "/postgres?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=5";
		HaDataSource dataSource = HaDataSource.of(connections, "failover", url, "postgres", null,
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
