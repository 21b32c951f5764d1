package io.hacover.jdbc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

/**
 * A {@code @Transactional} service on the HA data source, retried by Spring as the README
 * advises, on {@link TransactionRolledBackException} only: a database restart in the
 * middle of the transaction, or a backend killed before its commit, ends with the
 * transaction applied exactly once, never half.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransactionalRetryTests {

	private static PostgresServer server;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.start();
		server.execute("create table transfers (id int primary key, note text)");
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@DisplayName("H14, J7: a restart in the middle of a @Transactional method is replayed on the recovered "
			+ "connection: the method returns normally at its first attempt, the transaction applied exactly once")
	void restartInTheMiddleOfATransactionIsAppliedExactlyOnce() {
		new ApplicationContextRunner().withUserConfiguration(TransactionalConfiguration.class).run((context) -> {
			Transfers transfers = context.getBean(Transfers.class);
			transfers.transfer(1);
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			assertThat(jdbc.queryForObject("select count(*) from transfers where id in (1, 2)", Integer.class))
				.isEqualTo(2);
			assertThat(transfers.attempts()).isOne();
			assertThat(context.getBean(TransactionalConfiguration.class).recovered).hasValue(1);
		});
	}

	@Test
	@DisplayName("J4: a backend killed just before a @Transactional commit: the commit never left, so the "
			+ "transaction is reported rolled back, and Spring's retry applies it exactly once")
	void commitFailureIsRetriedToExactlyOnce() {
		new ApplicationContextRunner().withUserConfiguration(TransactionalConfiguration.class).run((context) -> {
			Transfers transfers = context.getBean(Transfers.class);
			transfers.transferKillingBeforeCommit(10);
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			assertThat(jdbc.queryForObject("select count(*) from transfers where id in (10, 11)", Integer.class))
				.isEqualTo(2);
			assertThat(transfers.attempts()).isEqualTo(2);
			assertThat(transfers.failures()).singleElement()
				.satisfies((failure) -> assertThat(sqlStates(failure)).contains("40000"));
		});
	}

	private static java.util.List<String> sqlStates(Throwable failure) {
		java.util.List<String> states = new java.util.ArrayList<>();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof java.sql.SQLException sql) {
				states.add(sql.getSQLState());
			}
		}
		return states;
	}

	@Configuration
	@EnableTransactionManagement
	@EnableResilientMethods
	static class TransactionalConfiguration {

		final AtomicInteger recovered = new AtomicInteger();

		@Bean
		HaConnections haConnections() {
			RecoveryPolicy policy = RecoveryPolicy.exponential(Duration.ofMillis(50), 2.0, Duration.ofMillis(500), 100,
					Duration.ofSeconds(20), Duration.ZERO);
			HaConnections connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(policy),
					StaleConnectionClassifier.defaults());
			connections.addListener((event) -> {
				if (event.kind() == HaEvent.Kind.RECOVERED) {
					this.recovered.incrementAndGet();
				}
			});
			return connections;
		}

		@Bean
		DataSource dataSource(HaConnections connections) {
			return new HaDataSource(connections, server.dataSource(), "transfers");
		}

		@Bean
		JdbcTransactionManager transactionManager(DataSource dataSource) {
			return new JdbcTransactionManager(dataSource);
		}

		@Bean
		JdbcTemplate jdbcTemplate(DataSource dataSource) {
			return new JdbcTemplate(dataSource);
		}

		@Bean
		TransferStore transferStore(JdbcTemplate jdbcTemplate) {
			return new TransferStore(jdbcTemplate);
		}

		@Bean
		Transfers transfers(TransferStore store) {
			return new Transfers(store);
		}

	}

	/**
	 * Retries the whole transaction on transient errors, outside the transaction.
	 */
	static class Transfers {

		private final TransferStore store;

		private final AtomicInteger attempts = new AtomicInteger();

		private final java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

		Transfers(TransferStore store) {
			this.store = store;
		}

		@Retryable(includes = TransactionRolledBackException.class, maxRetries = 3, delay = 100)
		public void transfer(int id) {
			this.store.insertPair(id, this.attempts.incrementAndGet() == 1);
		}

		@Retryable(includes = TransactionRolledBackException.class, maxRetries = 3, delay = 100)
		public void transferKillingBeforeCommit(int id) {
			try {
				this.store.insertPairThenKill(id, this.attempts.incrementAndGet() == 1);
			}
			catch (RuntimeException ex) {
				this.failures.add(ex);
				throw ex;
			}
		}

		java.util.List<Throwable> failures() {
			return this.failures;
		}

		int attempts() {
			return this.attempts.get();
		}

	}

	/**
	 * Inserts two rows in one transaction, restarting the database between them when
	 * asked.
	 */
	static class TransferStore {

		private final JdbcTemplate jdbc;

		TransferStore(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@Transactional
		public void insertPair(int id, boolean restartInTheMiddle) {
			this.jdbc.update("insert into transfers values (?, 'debit')", id);
			if (restartInTheMiddle) {
				server.stop();
				try {
					server.restart();
				}
				catch (java.io.IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}
			this.jdbc.update("insert into transfers values (?, 'credit')", id + 1);
		}

		@Transactional
		public void insertPairThenKill(int id, boolean killBeforeCommit) {
			this.jdbc.update("insert into transfers values (?, 'debit')", id);
			this.jdbc.update("insert into transfers values (?, 'credit')", id + 1);
			if (killBeforeCommit) {
				Integer pid = this.jdbc.queryForObject("select pg_backend_pid()", Integer.class);
				try {
					server.terminate(pid);
				}
				catch (java.sql.SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}
		}

	}

}
