package io.hacover.autoconfigure;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import io.hacover.core.HaConnections;
import io.hacover.jdbc.CommitOutcomeUnknownException;
import io.hacover.jdbc.HaDataSource;
import io.hacover.spring.HaConfigurationException;
import io.hacover.testsupport.KernelTcpSockets;
import io.hacover.testsupport.KernelTcpSockets.KernelSocket;
import io.hacover.testsupport.KernelTcpSockets.Timer;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ha.jdbc.enabled=true} makes the application's data source hand out HA
 * connections, with the pool's own features still reachable.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HaJdbcAutoConfigurationTests {

	private static PostgresServer server;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaJdbcAutoConfiguration.class,
				DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
		.withPropertyValues("ha.defaults.backoff.initial-delay=20ms", "ha.defaults.backoff.max-delay=200ms");

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@DisplayName("H10: with ha.jdbc.enabled, the HikariCP pool stays the bean and its physical connections are HA "
			+ "connections that survive a killed backend")
	void hikariPoolGetsHaConnectionsUnderIt() {
		this.runner
			.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
					"spring.datasource.username=postgres", "spring.datasource.password=")
			.run((context) -> {
				HikariDataSource pool = context.getBean(HikariDataSource.class);
				assertThat(context.getBean(DataSource.class)).isSameAs(pool);
				assertThat(pool.getDataSource()).isInstanceOf(HaDataSource.class);
				HaConnections connections = context.getBean(HaConnections.class);
				try (Connection connection = pool.getConnection()) {
					assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isOne();
					Connection physical = connection.unwrap(Connection.class);
					assertThat(connections.isHaAware(physical)).isTrue();
					assertThat(connections.control(physical).info().name()).startsWith("dataSource-");
					int before = server.backendPid(connection);
					server.terminate(before);
					assertThat(server.backendPid(connection)).isNotEqualTo(before);
					assertThat(one(connection)).isEqualTo(1);
				}
				assertThat(context.getBean(JdbcTemplate.class).queryForObject("select 2", Integer.class)).isEqualTo(2);
				assertThat(JdbcClient.create(pool).sql("select 3").query(Integer.class).single()).isEqualTo(3);
				assertThat(connections.connections()).allSatisfy((info) -> assertThat(info.kind()).isEqualTo("jdbc"))
					.hasSizeLessThanOrEqualTo(pool.getMaximumPoolSize());
			});
	}

	@Test
	@DisplayName("J6: with ha.jdbc.enabled, HikariCP's connection-init-sql runs again on a physical connection "
			+ "made by a recovery, and once on each new one")
	void connectionInitSqlRunsAgainAfterARecovery() {
		this.runner
			.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
					"spring.datasource.username=postgres", "spring.datasource.password=",
					"spring.datasource.hikari.connection-init-sql=select set_config('application_name', "
							+ "'initialized ' || (coalesce(nullif(current_setting('application_name'), ''), '') "
							+ "|| '+'), false)")
			.run((context) -> {
				HikariDataSource pool = context.getBean(HikariDataSource.class);
				try (Connection connection = pool.getConnection()) {
					assertThat(setting(connection, "application_name")).endsWith("+").doesNotEndWith("++");
					server.terminate(server.backendPid(connection));
					assertThat(setting(connection, "application_name")).endsWith("+").doesNotEndWith("++");
				}
			});
	}

	private static String setting(Connection connection, String name) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet value = statement.executeQuery("select current_setting('" + name + "')")) {
			assertThat(value.next()).isTrue();
			return value.getString(1);
		}
	}

	@Test
	@DisplayName("H35: with ha.jdbc.enabled and ha.jdbc.dead-peer-timeout=3s, the pool's physical connections to "
			+ "PostgreSQL have TCP keepalive on with a 1 s idle time, in the kernel's own socket table")
	void hikariPhysicalConnectionsHaveKeepAlive() {
		assumeThat(KernelTcpSockets.available()).as("the kernel's socket table is readable in /proc/net").isTrue();
		this.runner
			.withPropertyValues("ha.jdbc.enabled=true", "ha.jdbc.dead-peer-timeout=3s",
					"spring.datasource.url=" + server.jdbcUrl(), "spring.datasource.username=postgres",
					"spring.datasource.password=")
			.run((context) -> {
				HikariDataSource pool = context.getBean(HikariDataSource.class);
				try (Connection connection = pool.getConnection()) {
					int clientPort = server.clientPort(connection);
					await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
						KernelSocket socket = KernelTcpSockets.find(clientPort, server.port()).orElseThrow();
						assertThat(socket.timer()).isEqualTo(Timer.KEEPALIVE);
						assertThat(socket.dueIn()).isLessThanOrEqualTo(Duration.ofSeconds(1));
					});
				}
			});
	}

	@Test
	@DisplayName("H35: a dead-peer timeout that is not positive fails start-up with a message that names the key "
			+ "and the fix")
	void deadPeerTimeoutMustBePositive() {
		this.runner
			.withPropertyValues("ha.jdbc.enabled=true", "ha.jdbc.dead-peer-timeout=0s",
					"spring.datasource.url=" + server.jdbcUrl(), "spring.datasource.username=postgres")
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				while (failure != null && !(failure instanceof HaConfigurationException)) {
					failure = failure.getCause();
				}
				assertThat(failure).isInstanceOfSatisfying(HaConfigurationException.class, (exception) -> {
					assertThat(exception.getKey()).isEqualTo("ha.jdbc.dead-peer-timeout");
					assertThat(exception.getMessage()).contains("every connection", "is 0ms", "such as 10s");
				});
			});
	}

	@Test
	@DisplayName("H10: with ha.jdbc.enabled, a data source that is not a HikariCP pool is wrapped, and stays "
			+ "reachable through unwrap")
	void otherDataSourceIsWrapped() {
		this.runner.withPropertyValues("ha.jdbc.enabled=true")
			.withBean("plain", DataSource.class, HaJdbcAutoConfigurationTests::plainDataSource)
			.run((context) -> {
				DataSource dataSource = context.getBean(DataSource.class);
				assertThat(dataSource).isInstanceOf(HaDataSource.class);
				assertThat(dataSource.isWrapperFor(PGSimpleDataSource.class)).isTrue();
				try (Connection connection = dataSource.getConnection()) {
					assertThat(context.getBean(HaConnections.class).isHaAware(connection)).isTrue();
					int before = server.backendPid(connection);
					server.terminate(before);
					assertThat(one(connection)).isEqualTo(1);
				}
			});
	}

	@Test
	@DisplayName("H1: without ha.jdbc.enabled the JDBC auto-configuration backs off and the DataSource bean is left "
			+ "as it is")
	void dataSourceIsLeftAloneByDefault() {
		this.runner
			.withPropertyValues("spring.datasource.url=" + server.jdbcUrl(), "spring.datasource.username=postgres")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(HaDataSourcePostProcessor.class)
					.doesNotHaveBean(HikariPhysicalConnections.class);
				assertThat(context.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class);
				assertThat(((HikariDataSource) context.getBean(DataSource.class)).getDataSource()).isNull();
			});
	}

	@Test
	@DisplayName("H1: with ha.enabled=false, ha.jdbc.enabled changes nothing")
	void jdbcBacksOffWhenHaIsDisabled() {
		this.runner
			.withPropertyValues("ha.enabled=false", "ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
					"spring.datasource.username=postgres")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(HaDataSourcePostProcessor.class);
				assertThat(((HikariDataSource) context.getBean(DataSource.class)).getDataSource()).isNull();
			});
	}

	@Test
	@DisplayName("H10: without HikariCP on the class path, the HikariCP part backs off and a data source is still "
			+ "wrapped")
	void hikariPartBacksOffWithoutHikari() {
		this.runner.withClassLoader(new FilteredClassLoader(HikariDataSource.class))
			.withPropertyValues("ha.jdbc.enabled=true")
			.withBean("plain", DataSource.class, HaJdbcAutoConfigurationTests::plainDataSource)
			.run((context) -> {
				assertThat(context).hasSingleBean(HaDataSourcePostProcessor.class)
					.doesNotHaveBean(HikariPhysicalConnections.class);
				assertThat(context.getBean(DataSource.class)).isInstanceOf(HaDataSource.class);
			});
	}

	@Test
	@DisplayName("J4: with ha.jdbc.enabled, HikariCP keeps an HA connection whose commit outcome is unknown, and the "
			+ "application's own exception override still judges every other error")
	void poolKeepsAConnectionWhoseCommitOutcomeIsUnknown() {
		this.runner
			.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
					"spring.datasource.username=postgres",
					"spring.datasource.hikari.exception-override-class-name=" + EvictOnShutdown.class.getName())
			.run((context) -> {
				SQLExceptionOverride override = context.getBean(HikariDataSource.class).getExceptionOverride();
				assertThat(override.adjudicate(new CommitOutcomeUnknownException("unknown", null)))
					.isEqualTo(SQLExceptionOverride.Override.DO_NOT_EVICT);
				assertThat(override.adjudicate(new SQLException("shutdown", "57P01")))
					.isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
				assertThat(override.adjudicate(new SQLException("broken", "08006")))
					.isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
			});
	}

	private static int one(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select 1")) {
			result.next();
			return result.getInt(1);
		}
	}

	private static DataSource plainDataSource() {
		PGSimpleDataSource plain = new PGSimpleDataSource();
		plain.setUrl(server.jdbcUrl());
		plain.setUser("postgres");
		return plain;
	}

	/**
	 * An application's own exception override.
	 */
	public static class EvictOnShutdown implements SQLExceptionOverride {

		@java.lang.Override
		public Override adjudicate(SQLException ex) {
			return "57P01".equals(ex.getSQLState()) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
		}

	}

}
