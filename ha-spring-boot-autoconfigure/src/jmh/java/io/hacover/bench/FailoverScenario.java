package io.hacover.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresPair;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Failover to a promoted standby (J9), measured as a user sees it: a caller calls
 * {@code SELECT 1} without pause on a multi-host URL ({@code targetServerType=primary})
 * over a primary and its synchronous standby ({@link PostgresPair}); the primary is
 * crashed (SIGKILL of all its processes) and {@code pg_promote()} called on the standby.
 * The figure is the time from that call to the caller's first successful call; a caller
 * that gets an error calls again at once, as a request loop would, and each error is
 * counted. Each failover runs on a new pair.
 */
final class FailoverScenario {

	private static final String PARAMETERS = "hostRecheckSeconds=1";

	private final int failovers;

	FailoverScenario(int failovers) {
		this.failovers = failovers;
	}

	/**
	 * Runs the callers one after the other: HikariCP with Spring's {@code @Retryable}
	 * (the usual alternative), HikariCP over the HA data source (what
	 * {@code ha.jdbc.enabled=true} makes) with the default policy and with waits of at
	 * most 50 ms, and one HA connection held across the failover.
	 * @return the outcomes, in that order
	 * @throws Exception if a server cannot be started
	 */
	List<Outcome> run() throws Exception {
		List<Outcome> outcomes = new ArrayList<>();
		outcomes.add(measure("HikariCP + @Retryable", (url) -> {
			HikariDataSource pool = pool(url);
			AnnotationConfigApplicationContext context = RetryableSelect.context(pool);
			RetryableSelect select = context.getBean(RetryableSelect.class);
			return new Caller(select::selectOne, () -> {
				context.close();
				pool.close();
			});
		}));
		outcomes.add(measure("HikariCP over HA data source", (url) -> pooled(url, HaConnections.create())));
		outcomes.add(measure("same, waits <= 50 ms", (url) -> pooled(url,
				HaConnections.create(ConnectionSettings.defaults()
					.withPolicy(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(50), 10_000,
							Duration.ofSeconds(30), Duration.ZERO)), StaleConnectionClassifier.defaults()))));
		outcomes.add(measure("HA connection, held", (url) -> {
			HaConnections connections = HaConnections.create();
			Connection connection = HaDataSource
				.of(connections, "held", url, "postgres", null, connections.defaults())
				.getConnection();
			PreparedStatement statement = connection.prepareStatement("select 1");
			return new Caller(() -> selectOne(statement), connection::close);
		}));
		return outcomes;
	}

	private Outcome measure(String name, CallerFactory callers) throws Exception {
		List<Double> millis = new ArrayList<>();
		AtomicLong errors = new AtomicLong();
		AtomicReference<Exception> firstError = new AtomicReference<>();
		for (int i = 0; i < this.failovers; i++) {
			try (PostgresPair pair = PostgresPair.start(true)) {
				Caller caller = callers.make(pair.url(pair.primary().port(), PARAMETERS));
				try {
					caller.call().run();
					AtomicLong promotedAt = new AtomicLong(Long.MAX_VALUE);
					AtomicLong succeededAt = new AtomicLong(Long.MAX_VALUE);
					AtomicBoolean crashed = new AtomicBoolean();
					Thread calling = new Thread(() -> {
						while (succeededAt.get() == Long.MAX_VALUE) {
							try {
								caller.call().run();
								long now = System.nanoTime();
								if (now > promotedAt.get()) {
									succeededAt.set(now);
								}
							}
							catch (Exception ex) {
								if (crashed.get()) {
									errors.incrementAndGet();
									firstError.compareAndSet(null, ex);
								}
							}
						}
					}, "caller");
					calling.start();
					crashed.set(true);
					pair.primary().crash();
					promotedAt.set(System.nanoTime());
					pair.standby().promote();
					calling.join(TimeUnit.MINUTES.toMillis(2));
					if (calling.isAlive()) {
						throw new IllegalStateException(name + ": no successful call within 2 minutes of the promotion");
					}
					millis.add((succeededAt.get() - promotedAt.get()) / 1e6);
				}
				finally {
					caller.close().run();
				}
			}
		}
		Exception error = firstError.get();
		return new Outcome(name, millis, errors.get(), (error != null) ? error.toString() : null);
	}

	private static Caller pooled(String url, HaConnections connections) {
		HaDataSource ha = HaDataSource.of(connections, "under", url, "postgres", null, connections.defaults());
		HikariDataSource pool = JdbcBenchmark.poolOver(ha);
		JdbcTemplate jdbc = new JdbcTemplate(pool);
		return new Caller(() -> jdbc.queryForObject("select 1", Integer.class), pool::close);
	}

	private static HikariDataSource pool(String url) {
		HikariConfig config = new HikariConfig();
		config.setPoolName("retryable-failover");
		config.setJdbcUrl(url);
		config.setUsername("postgres");
		return new HikariDataSource(config);
	}

	private static int selectOne(PreparedStatement statement) throws SQLException {
		try (ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getInt(1);
		}
	}

	/**
	 * A caller and how to close what it holds.
	 */
	private record Caller(RecoveryScenarios.Call call, Closing close) {

	}

	@FunctionalInterface
	private interface Closing {

		void run() throws Exception;

	}

	@FunctionalInterface
	private interface CallerFactory {

		Caller make(String url) throws Exception;

	}

}
