package io.hacover.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.jdbc.CommitOutcomeUnknownException;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A soak of verified replay (J7): a {@code @Transactional} service of multi-statement
 * transactions (read a balance, write two rows) on 8 threads, on HikariCP with
 * {@code ha.jdbc.enabled}, through restarts (fast stop, immediate stop, SIGKILL of the
 * postmaster) and killed backends (terminated, or killed by SIGKILL so that PostgreSQL
 * recovers in place), against PostgreSQL with {@code synchronous_commit=on}. Every
 * acknowledged transaction is stored exactly once, none half, and the only errors that
 * reach the callers are commits whose outcome the server could not give because it
 * restarted under them (J5).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReplaySoakTests {

	private static final int THREADS = 8;

	private static final int OUTAGES = 20;

	private static PostgresServer server;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.startWithSynchronousCommit();
		server.execute("create table accounts (id int primary key, balance int not null)");
		server.execute("insert into accounts select g, 1000 from generate_series(0, " + (THREADS - 1) + ") g");
		server.execute("create table moves (id serial primary key, tx text not null, account int not null, "
				+ "amount int not null)");
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@DisplayName("J7, J10: 8 threads of @Transactional transactions (read a balance, write two rows) through 10 "
			+ "restarts and 10 killed backends: every acknowledged transaction stored exactly once, none half, and "
			+ "no error reaches the callers but commits the server could not answer for after a restart (J5)")
	void transactionsSurviveRestartsAndKills() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaJdbcAutoConfiguration.class,
					DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
			.withUserConfiguration(BankConfiguration.class)
			.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
					"spring.datasource.username=postgres", "spring.datasource.password=",
					"spring.datasource.hikari.maximum-pool-size=" + THREADS, "ha.defaults.backoff.initial-delay=20ms",
					"ha.defaults.backoff.max-delay=100ms")
			.run((context) -> {
				AtomicInteger replayed = new AtomicInteger();
				AtomicInteger rolledBack = new AtomicInteger();
				context.getBean(HaConnections.class).addListener((event) -> {
					if (event.kind() == HaEvent.Kind.REPLAYED) {
						replayed.incrementAndGet();
					}
					else if (event.kind() == HaEvent.Kind.REPLAY_ROLLED_BACK) {
						rolledBack.incrementAndGet();
					}
				});
				Bank bank = context.getBean(Bank.class);
				Set<String> acknowledged = ConcurrentHashMap.newKeySet();
				Set<String> unknown = ConcurrentHashMap.newKeySet();
				List<Throwable> errors = new CopyOnWriteArrayList<>();
				AtomicBoolean stop = new AtomicBoolean();
				List<Thread> workers = new ArrayList<>();
				for (int account = 0; account < THREADS; account++) {
					int own = account;
					Thread worker = new Thread(() -> {
						for (int n = 0; !stop.get(); n++) {
							String tx = own + "-" + n;
							try {
								bank.transfer(own, tx);
								acknowledged.add(tx);
							}
							catch (RuntimeException ex) {
								if (causedBy(ex, CommitOutcomeUnknownException.class)) {
									unknown.add(tx);
									System.out.println("replay soak: unknown " + tx + ": " + ex);
								}
								else {
									errors.add(ex);
								}
							}
						}
					}, "bank-" + own);
					worker.start();
					workers.add(worker);
				}
				Map<String, Integer> outages = new HashMap<>();
				for (int outage = 0; outage < OUTAGES; outage++) {
					int before = acknowledged.size();
					await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= before + 30);
					String kind = outage(outage);
					outages.merge(kind, 1, Integer::sum);
				}
				int last = acknowledged.size();
				await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= last + 30);
				stop.set(true);
				for (Thread worker : workers) {
					worker.join(60_000);
				}
				Map<String, Integer> rows = rowsPerTransaction(context.getBean(JdbcTemplate.class));
				System.out.printf(
						"replay soak: %d threads, outages %s, %d acknowledged, %d unknown (%d of them "
								+ "stored), %d other errors, replays: %d replayed, %d rolled back%n",
						THREADS, outages, acknowledged.size(), unknown.size(),
						unknown.stream().filter(rows::containsKey).count(), errors.size(), replayed.get(),
						rolledBack.get());
				assertThat(errors).as("errors that reached the callers").isEmpty();
				assertThat(acknowledged).allSatisfy((tx) -> assertThat(rows).containsEntry(tx, 2));
				assertThat(rows).allSatisfy((tx, count) -> assertThat(count).as("rows of %s", tx).isEqualTo(2));
				assertThat(rows.keySet())
					.allSatisfy((tx) -> assertThat(acknowledged.contains(tx) || unknown.contains(tx)).as(tx).isTrue());
				assertThat(replayed.get()).isPositive();
			});
	}

	/**
	 * Makes one outage: restarts (a fast stop, an immediate stop, a SIGKILL of the
	 * postmaster and all its processes) and killed backends (every client backend
	 * terminated, one backend killed by SIGKILL, after which PostgreSQL ends all the
	 * others and recovers in place), in turn.
	 */
	private static String outage(int number) throws Exception {
		if (number % 2 == 1) {
			if (number % 4 == 1) {
				server.execute("select pg_terminate_backend(pid) from pg_stat_activity where pid <> "
						+ "pg_backend_pid() and backend_type = 'client backend'");
				return "backends terminated";
			}
			int pid = server.queryForInt("select coalesce(max(pid), 0) from pg_stat_activity where pid <> "
					+ "pg_backend_pid() and backend_type = 'client backend'");
			if (pid != 0) {
				server.killBackend(pid);
			}
			return "backend SIGKILL, recovery in place";
		}
		String kind = switch (number / 2 % 3) {
			case 0 -> {
				server.stop();
				yield "fast stop";
			}
			case 1 -> {
				server.stopImmediately();
				yield "immediate stop";
			}
			default -> {
				server.crash();
				yield "SIGKILL of the postmaster";
			}
		};
		server.restart();
		return kind;
	}

	private static Map<String, Integer> rowsPerTransaction(JdbcTemplate jdbc) {
		Map<String, Integer> rows = new HashMap<>();
		RowCallbackHandler counts = (row) -> rows.put(row.getString(1), row.getInt(2));
		jdbc.query("select tx, count(*) from moves group by tx", counts);
		return rows;
	}

	private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return true;
			}
		}
		return false;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class BankConfiguration {

		@Bean
		JdbcTransactionManager transactionManager(DataSource dataSource) {
			return new JdbcTransactionManager(dataSource);
		}

		@Bean
		Bank bank(JdbcTemplate jdbcTemplate) {
			return new Bank(jdbcTemplate);
		}

	}

	/**
	 * A service of multi-statement transactions, with no retry code.
	 */
	static class Bank {

		private final JdbcTemplate jdbc;

		Bank(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@Transactional
		public void transfer(int account, String tx) {
			Integer balance = this.jdbc.queryForObject("select balance from accounts where id = ?", Integer.class,
					account);
			this.jdbc.update("insert into moves (tx, account, amount) values (?, ?, ?)", tx, account, -1);
			this.jdbc.update("insert into moves (tx, account, amount) values (?, ?, ?)", tx, account,
					(balance != null) ? 1 : 0);
		}

	}

}
