package io.hacover.autoconfigure;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.HaConnections;
import io.hacover.actuate.HaMetrics;
import io.hacover.core.HaEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.hacover.jdbc.CommitOutcomeUnknownException;
import io.hacover.jdbc.HaDataSource;
import io.hacover.jdbc.TransactionRolledBackException;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.StatementRelay;
import io.hacover.testsupport.StatementRelay.CutPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A lost COMMIT reply through Spring end to end, as a new user sets it up: the starter
 * with {@code ha.jdbc.enabled}, a {@code @Transactional} service and Spring's
 * {@code @Retryable} written as the README advises, on HikariCP and on a data source that
 * is not HikariCP, against PostgreSQL with {@code synchronous_commit=on} behind a relay
 * that cuts the connection around {@code COMMIT} (J4, J5, J10). The caller gets the real
 * outcome, never masked by Spring's rollback after a failed commit, and no row is ever
 * stored twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommitOutcomeEndToEndTests {

	private static PostgresServer server;

	private StatementRelay relay;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		server.execute("create table payments (id int primary key)");
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void startRelay() throws Exception {
		this.relay = StatementRelay.start(server.port());
		server.execute("truncate payments");
	}

	@AfterEach
	void stopRelay() {
		this.relay.close();
	}

	private ApplicationContextRunner runner(String pool) {
		String url = server.jdbcUrl(this.relay.port());
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaJdbcAutoConfiguration.class,
					DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
			.withUserConfiguration(PaymentsConfiguration.class)
			.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + url,
					"spring.datasource.username=postgres", "spring.datasource.password=",
					"ha.defaults.backoff.initial-delay=20ms", "ha.defaults.backoff.max-delay=200ms");
		return switch (pool) {
			case "hikari" -> runner;
			case "hikari, auto-commit off" -> runner.withPropertyValues("spring.datasource.hikari.auto-commit=false");
			case "plain" -> runner.withPropertyValues(
					"spring.datasource.type=org.springframework.jdbc.datasource.SimpleDriverDataSource");
			case "HaDataSource over hikari" ->
				runner.withPropertyValues("ha.jdbc.enabled=false").withUserConfiguration(HaOverPoolConfiguration.class);
			default -> throw new IllegalArgumentException(pool);
		};
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "hikari", "hikari, auto-commit off", "plain", "HaDataSource over hikari" })
	@DisplayName("J7: a backend killed between two writes of a @Transactional method: the transaction is replayed, "
			+ "the method returns normally at its first attempt, both rows are stored once, and one replay is "
			+ "counted (ha.jdbc.replays) and told (REPLAYED)")
	void backendKilledMidTransactionIsReplayed(String pool) {
		runner(pool).withConfiguration(AutoConfigurations.of(HaMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.run((context) -> {
				assertPool(context, pool);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				context.getBean(HaMetrics.class).bindTo(registry);
				List<HaEvent> replays = new CopyOnWriteArrayList<>();
				context.getBean(HaConnections.class).addListener((event) -> {
					if (event.kind() == HaEvent.Kind.REPLAYED || event.kind() == HaEvent.Kind.REPLAY_ROLLED_BACK) {
						replays.add(event);
					}
				});
				Payments payments = context.getBean(Payments.class);
				payments.payTwiceKillingOthers(5);
				assertThat(payments.attempts()).isOne();
				assertThat(payments.failures()).isEmpty();
				assertThat(stored(5)).isOne();
				assertThat(stored(1005)).isOne();
				assertThat(replays).singleElement()
					.satisfies((event) -> assertThat(event.kind()).isEqualTo(HaEvent.Kind.REPLAYED));
				if (pool.startsWith("hikari")) {
					// Under the pool, HA connections live as long as the pool's: their
					// meters
					// stay (those of a connection are removed when it closes).
					assertThat(registry.get("ha.jdbc.replays")
						.tag("outcome", "replayed")
						.counters()
						.stream()
						.mapToDouble(Counter::count)
						.sum()).isEqualTo(1.0);
				}
			});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "hikari", "hikari, auto-commit off", "plain", "HaDataSource over hikari" })
	@DisplayName("J1, J4: with replay off, a backend killed between two writes of a @Transactional method never "
			+ "leads to a commit that reports success with part of the work missing: the rolled-back error, and the "
			+ "README's @Retryable stores both rows once")
	void backendKilledMidTransactionIsNeverHalfCommitted(String pool) {
		runner(pool).withPropertyValues("ha.jdbc.replay.mode=off").run((context) -> {
			assertPool(context, pool);
			Payments payments = context.getBean(Payments.class);
			payments.payTwice(4);
			assertThat(payments.attempts()).isEqualTo(2);
			assertThat(payments.failures()).singleElement()
				.satisfies((failure) -> assertThat(causes(failure))
					.hasAtLeastOneElementOfType(TransactionRolledBackException.class));
			assertThat(stored(4)).isOne();
			assertThat(stored(1004)).isOne();
		});
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = ';',
			value = { "ha.connections.dataSource.replay.mode=off; false",
					"ha.jdbc.replay.mode=off, ha.connections.dataSource.replay.mode=verified; true" })
	@DisplayName("J7: replay is set per data source: ha.connections.<bean>.replay wins over ha.jdbc.replay (every "
			+ "backend killed between two writes: the rolled-back error when off, replayed when verified)")
	void replayIsSetPerDataSource(String properties, boolean replayed) {
		runner("hikari").withPropertyValues(properties.split(", ")).run((context) -> {
			Payments payments = context.getBean(Payments.class);
			Throwable thrown = catchThrowable(() -> payments.payTwiceKillingOthers(6));
			if (replayed) {
				assertThat(thrown).isNull();
				assertThat(stored(6)).isOne();
				assertThat(stored(1006)).isOne();
			}
			else {
				assertThat(causes(thrown)).hasAtLeastOneElementOfType(TransactionRolledBackException.class);
				assertThat(stored(6)).isZero();
			}
		});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "hikari", "plain" })
	@DisplayName("J4, J10: a lost COMMIT reply under @Transactional returns normally, no retry, one row")
	void lostCommitReplyReturnsNormally(String pool) {
		runner(pool).run((context) -> {
			assertPool(context, pool);
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Payments payments = context.getBean(Payments.class);
			payments.pay(1);
			assertThat(cut.fired()).isTrue();
			assertThat(payments.attempts()).isEqualTo(1);
			assertThat(stored(1)).isOne();
		});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "hikari", "plain" })
	@DisplayName("J4, J10: with replay off, a COMMIT cut before it was sent gives the rolled-back error, which the "
			+ "README's @Retryable runs again: one row")
	void commitThatNeverLeftIsRetriedOnce(String pool) {
		runner(pool).withPropertyValues("ha.jdbc.replay.mode=off").run((context) -> {
			assertPool(context, pool);
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.BEFORE_SEND);
			Payments payments = context.getBean(Payments.class);
			payments.pay(2);
			assertThat(cut.fired()).isTrue();
			assertThat(payments.attempts()).isEqualTo(2);
			assertThat(payments.failures()).singleElement()
				.satisfies((failure) -> assertThat(causes(failure))
					.hasAtLeastOneElementOfType(TransactionRolledBackException.class));
			assertThat(stored(2)).isOne();
		});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "hikari", "plain" })
	@DisplayName("J4, J5, J10: a lost COMMIT reply whose outcome cannot be known (the server crashed, restarted and "
			+ "checkpointed first) reaches the caller with 08007 in its chain, never masked by the rollback after it, and is "
			+ "never retried: at most one row")
	void unknownCommitReachesTheCallerAndIsNotRetried(String pool) {
		runner(pool).run((context) -> {
			assertPool(context, pool);
			AtomicBoolean crashed = new AtomicBoolean();
			context.getBean(HaConnections.class).addListener((event) -> {
				if (event.kind() == HaEvent.Kind.RECOVERY_STARTED && crashed.compareAndSet(false, true)) {
					// The commit is durable before the crash, so that only the restart
					// keeps
					// the answer from being known (J5).
					await().atMost(java.time.Duration.ofSeconds(10))
						.until(() -> server.queryForInt("select count(*) from payments where id = 3") == 1);
					server.crash();
					try {
						server.restart();
						// A checkpoint of the new incarnation: nothing bounds the ids of
						// the old one.
						server.execute("checkpoint");
					}
					catch (java.io.IOException | SQLException ex) {
						throw new IllegalStateException(ex);
					}
				}
			});
			StatementRelay.Cut cut = this.relay.arm("COMMIT", CutPoint.AFTER_SERVER_RECEIVES);
			Payments payments = context.getBean(Payments.class);
			Throwable thrown = catchThrowable(() -> payments.pay(3));
			assertThat(cut.fired()).isTrue();
			assertThat(crashed).isTrue();
			assertThat(causes(thrown)).hasAtLeastOneElementOfType(CommitOutcomeUnknownException.class)
				.anySatisfy((cause) -> assertThat(cause).isInstanceOfSatisfying(SQLException.class,
						(sql) -> assertThat(sql.getSQLState()).isEqualTo("08007")));
			assertThat(payments.attempts()).isEqualTo(1);
			assertThat(stored(3)).isOne();
		});
	}

	private static void assertPool(AssertableApplicationContext context, String pool) {
		DataSource dataSource = context.getBean(DataSource.class);
		if (pool.startsWith("hikari")) {
			assertThat(dataSource).isInstanceOf(HikariDataSource.class);
			assertThat(((HikariDataSource) dataSource).getDataSource()).isInstanceOf(HaDataSource.class);
		}
		else {
			assertThat(dataSource).isInstanceOf(HaDataSource.class);
		}
	}

	private static List<Throwable> causes(Throwable failure) {
		List<Throwable> causes = new ArrayList<>();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			causes.add(cause);
		}
		return causes;
	}

	private static int stored(int id) throws SQLException {
		// A cut backend may still be finishing its commit: count once it is gone.
		await().atMost(java.time.Duration.ofSeconds(10))
			.until(() -> server
				.queryForInt("select count(*) from pg_stat_activity where state = 'active' and query like 'COMMIT%' "
						+ "and pid <> pg_backend_pid()") == 0);
		return server.queryForInt("select count(*) from payments where id = " + id);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	@EnableResilientMethods
	static class PaymentsConfiguration {

		@Bean
		JdbcTransactionManager transactionManager(DataSource dataSource) {
			return new JdbcTransactionManager(dataSource);
		}

		@Bean
		PaymentStore paymentStore(JdbcTemplate jdbcTemplate) {
			return new PaymentStore(jdbcTemplate);
		}

		@Bean
		Payments payments(PaymentStore store) {
			return new Payments(store);
		}

	}

	/**
	 * An {@link HaDataSource} that the application wraps over its own pool.
	 */
	@Configuration(proxyBeanMethods = false)
	static class HaOverPoolConfiguration {

		@Bean
		DataSource dataSource(HaConnections connections,
				@org.springframework.beans.factory.annotation.Value("${spring.datasource.url}") String url) {
			HikariDataSource pool = new HikariDataSource();
			pool.setJdbcUrl(url);
			pool.setUsername("postgres");
			return new HaDataSource(connections, pool, "payments");
		}

	}

	/**
	 * Runs the payment again on the README's advice: only when it was rolled back.
	 */
	static class Payments {

		private final PaymentStore store;

		private final AtomicInteger attempts = new AtomicInteger();

		private final List<Throwable> failures = new CopyOnWriteArrayList<>();

		Payments(PaymentStore store) {
			this.store = store;
		}

		@Retryable(includes = TransactionRolledBackException.class, maxRetries = 3, delay = 50)
		public void pay(int id) {
			this.attempts.incrementAndGet();
			try {
				this.store.insert(id);
			}
			catch (RuntimeException ex) {
				this.failures.add(ex);
				throw ex;
			}
		}

		@Retryable(includes = TransactionRolledBackException.class, maxRetries = 3, delay = 50)
		public void payTwiceKillingOthers(int id) {
			this.attempts.incrementAndGet();
			try {
				this.store.insertTwoKillingOthers(id);
			}
			catch (RuntimeException ex) {
				this.failures.add(ex);
				throw ex;
			}
		}

		@Retryable(includes = TransactionRolledBackException.class, maxRetries = 3, delay = 50)
		public void payTwice(int id) {
			boolean first = this.attempts.incrementAndGet() == 1;
			try {
				this.store.insertTwo(id, first);
			}
			catch (RuntimeException ex) {
				this.failures.add(ex);
				throw ex;
			}
		}

		public int attempts() {
			return this.attempts.get();
		}

		public List<Throwable> failures() {
			return this.failures;
		}

	}

	/**
	 * One payment, one transaction.
	 */
	static class PaymentStore {

		private final JdbcTemplate jdbc;

		PaymentStore(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@Transactional
		public void insert(int id) {
			this.jdbc.update("insert into payments values (?)", id);
		}

		/**
		 * Two writes, with every backend of the application killed between them from
		 * outside, so that the transaction reads nothing that a replay would find
		 * changed.
		 */
		@Transactional
		public void insertTwoKillingOthers(int id) {
			this.jdbc.update("insert into payments values (?)", id);
			try {
				server.execute("select pg_terminate_backend(pid) from pg_stat_activity where pid <> "
						+ "pg_backend_pid() and backend_type = 'client backend'");
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
			this.jdbc.update("insert into payments values (?)", id + 1000);
		}

		@Transactional
		public void insertTwo(int id, boolean killBetween) {
			this.jdbc.update("insert into payments values (?)", id);
			if (killBetween) {
				Integer pid = this.jdbc.queryForObject("select pg_backend_pid()", Integer.class);
				try {
					server.terminate(pid);
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}
			this.jdbc.update("insert into payments values (?)", id + 1000);
		}

	}

}
