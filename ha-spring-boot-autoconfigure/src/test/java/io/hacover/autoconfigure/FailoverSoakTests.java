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
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import io.hacover.autoconfigure.ReplaySoakTests.Bank;
import io.hacover.autoconfigure.ReplaySoakTests.BankConfiguration;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.testsupport.PostgresPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Failover under load (J9, J5, J7): 4 writers of {@code @Transactional} transactions and
 * 4 readers on one HikariCP pool with {@code ha.jdbc.enabled}, on a multi-host URL
 * ({@code targetServerType=primary}) over a primary and a synchronous standby; the
 * primary is crashed (SIGKILL of all its processes) and the standby promoted, with the
 * workloads going on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FailoverSoakTests {

	private static final int WRITERS = 4;

	private static final int READERS = 4;

	private PostgresPair pair;

	@AfterEach
	void stopPair() {
		if (this.pair != null) {
			this.pair.close();
		}
	}

	@Test
	@DisplayName("J9, J5, J7, J10: 4 writers and 4 readers on HikariCP with ha.jdbc.enabled through a primary crash "
			+ "and the promotion of its synchronous standby: no error reaches a reader or a writer, every "
			+ "acknowledged transaction is on the new primary exactly once, none half, no commit is left unknown, "
			+ "and the pool's connections are on the new timeline")
	void writersAndReadersGoOnThroughAFailover() throws Exception {
		this.pair = PostgresPair.start(true, "create table accounts (id int primary key, balance int not null)",
				"insert into accounts select g, 1000 from generate_series(0, " + (WRITERS - 1) + ") g",
				"create table moves (id serial primary key, tx text not null, account int not null, "
						+ "amount int not null)");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaJdbcAutoConfiguration.class,
					DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
			.withUserConfiguration(BankConfiguration.class)
			.withPropertyValues("ha.jdbc.enabled=true", "ha.jdbc.dead-peer-timeout=3s",
					"spring.datasource.url=" + this.pair.url(this.pair.primary().port(), "hostRecheckSeconds=1"),
					"spring.datasource.username=postgres", "spring.datasource.password=",
					"spring.datasource.hikari.maximum-pool-size=" + (WRITERS + READERS),
					"ha.defaults.backoff.initial-delay=20ms", "ha.defaults.backoff.max-delay=100ms")
			.run((context) -> {
				AtomicInteger replayed = new AtomicInteger();
				context.getBean(HaConnections.class).addListener((event) -> {
					if (event.kind() == HaEvent.Kind.REPLAYED) {
						replayed.incrementAndGet();
					}
				});
				Bank bank = context.getBean(Bank.class);
				JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
				Set<String> acknowledged = ConcurrentHashMap.newKeySet();
				List<String> errors = new CopyOnWriteArrayList<>();
				AtomicInteger reads = new AtomicInteger();
				AtomicLong promoted = new AtomicLong(Long.MAX_VALUE);
				AtomicLong firstWriteAfter = new AtomicLong(Long.MAX_VALUE);
				AtomicBoolean stop = new AtomicBoolean();
				List<Thread> threads = new ArrayList<>();
				for (int writer = 0; writer < WRITERS; writer++) {
					int own = writer;
					threads.add(new Thread(() -> {
						for (int n = 0; !stop.get(); n++) {
							String tx = own + "-" + n;
							try {
								bank.transfer(own, tx);
								acknowledged.add(tx);
								long now = System.nanoTime();
								if (now > promoted.get()) {
									firstWriteAfter.accumulateAndGet(now, Math::min);
								}
							}
							catch (RuntimeException ex) {
								errors.add("write " + tx + ": " + ex);
							}
						}
					}, "writer-" + own));
				}
				for (int reader = 0; reader < READERS; reader++) {
					int account = reader % WRITERS;
					threads.add(new Thread(() -> {
						while (!stop.get()) {
							try {
								jdbc.queryForObject("select count(*) from moves where account = ?", Integer.class,
										account);
								reads.incrementAndGet();
							}
							catch (RuntimeException ex) {
								errors.add("read: " + ex);
							}
						}
					}, "reader-" + reader));
				}
				threads.forEach(Thread::start);
				await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200 && reads.get() >= 200);
				int readsBefore = reads.get();
				this.pair.primary().crash();
				promoted.set(System.nanoTime());
				this.pair.standby().promote();
				int acknowledgedAtPromotion = acknowledged.size();
				await().atMost(Duration.ofSeconds(60))
					.until(() -> acknowledged.size() >= acknowledgedAtPromotion + 200
							&& reads.get() >= readsBefore + 200);
				stop.set(true);
				for (Thread thread : threads) {
					thread.join(60_000);
				}
				Map<String, Integer> rows = new HashMap<>();
				RowCallbackHandler counts = (row) -> rows.put(row.getString(1), row.getInt(2));
				jdbc.query("select tx, count(*) from moves group by tx", counts);
				System.out.printf(
						"failover soak: %d writers, %d readers, %d acknowledged, %d reads, %d replays, "
								+ "errors %s; first write acknowledged %d ms after pg_promote() was called%n",
						WRITERS, READERS, acknowledged.size(), reads.get(), replayed.get(), errors,
						TimeUnit.NANOSECONDS.toMillis(firstWriteAfter.get() - promoted.get()));
				assertThat(errors).as("errors that reached the writers and readers").isEmpty();
				assertThat(acknowledged).allSatisfy((tx) -> assertThat(rows).containsEntry(tx, 2));
				assertThat(rows).allSatisfy((tx, count) -> assertThat(count).as("rows of %s", tx).isEqualTo(2));
				assertThat(rows.keySet()).allSatisfy((tx) -> assertThat(acknowledged).contains(tx));
				assertThat(
						jdbc.queryForObject("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)", String.class))
					.isEqualTo("00000002");
				assertThat(context.getBean(HikariDataSource.class).getHikariPoolMXBean().getTotalConnections())
					.isPositive();
			});
	}

}
