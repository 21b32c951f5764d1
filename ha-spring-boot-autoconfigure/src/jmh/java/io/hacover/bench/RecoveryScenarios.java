package io.hacover.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresServer;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Recovery after a PostgreSQL restart, measured as a user sees it: the server is stopped
 * (fast shutdown), a caller starts calling, and after the outage the server starts again
 * on the same port. A probe connects every millisecond from the restart on; the time from
 * its first successful connection (the server accepts connections) to the caller's first
 * successful call is the figure. A caller that gets an error calls again at once, as a
 * request loop would; each such error is counted.
 */
final class RecoveryScenarios {

	private static final Duration PROBE_INTERVAL = Duration.ofMillis(1);

	private final int outages;

	private final Duration outage;

	RecoveryScenarios(int outages, Duration outage) {
		this.outages = outages;
		this.outage = outage;
	}

	/**
	 * Runs the callers one after the other on one server: HikariCP with Spring's
	 * {@code @Retryable} (the usual alternative), the HA data source over HikariCP (what
	 * {@code ha.jdbc.enabled=true} makes), HikariCP over the HA data source (the other
	 * placement), and one HA connection held across the outages, with the default policy
	 * and with waits of at most 250 ms.
	 * @return the outcomes, in that order
	 * @throws Exception if the server cannot be started
	 */
	List<Outcome> run() throws Exception {
		List<Outcome> outcomes = new ArrayList<>();
		try (PostgresServer postgres = PostgresServer.start()) {
			try (HikariDataSource pool = JdbcBenchmark.pool(postgres, "retryable");
					AnnotationConfigApplicationContext context = RetryableSelect.context(pool)) {
				RetryableSelect select = context.getBean(RetryableSelect.class);
				outcomes.add(measure("HikariCP + @Retryable", postgres, select::selectOne));
			}
			try (HikariDataSource pool = JdbcBenchmark.pool(postgres, "ha-over-pool")) {
				JdbcTemplate jdbc = new JdbcTemplate(new HaDataSource(HaConnections.create(), pool, "over"));
				outcomes.add(measure("HA data source over HikariCP", postgres,
						() -> jdbc.queryForObject("select 1", Integer.class)));
			}
			List<InetSocketAddress> server = HaDataSource.endpointsOf(postgres.jdbcUrl());
			try (HikariDataSource pool = JdbcBenchmark.poolOver(
					new HaDataSource(HaConnections.create(), postgres.dataSource(), "under").endpoints(server))) {
				JdbcTemplate jdbc = new JdbcTemplate(pool);
				outcomes.add(measure("HikariCP over HA data source, probes", postgres,
						() -> jdbc.queryForObject("select 1", Integer.class)));
			}
			try (HikariDataSource pool = JdbcBenchmark.poolOver(new HaDataSource(noProbes(ConnectionSettings.defaults()),
					postgres.dataSource(), "under-blind"))) {
				JdbcTemplate jdbc = new JdbcTemplate(pool);
				outcomes.add(measure("HikariCP over HA data source, no probes", postgres,
						() -> jdbc.queryForObject("select 1", Integer.class)));
			}
			outcomes.add(measureHeld("HA connection, probes", postgres, HaConnections.create(), server));
			outcomes.add(measureHeld("HA connection, no probes", postgres, noProbes(ConnectionSettings.defaults()),
					server));
		}
		return outcomes;
	}

	private static HaConnections noProbes(ConnectionSettings settings) {
		return HaConnections.create(settings, StaleConnectionClassifier.defaults(), Duration.ZERO);
	}

	/**
	 * Measures what recovering connections put on a server that is down: the readiness
	 * probes and the reconnects, per second, of a number of HA connections held across a
	 * stop of {@code downtime}, with and without probes.
	 * @param connections how many connections
	 * @param probes whether the table probes
	 * @param downtime how long the server stays down
	 * @return the probes and the reconnect attempts per second while it was down
	 * @throws Exception if the server cannot be started
	 */
	static double[] loadWhileDown(int connections, boolean probes, Duration downtime) throws Exception {
		try (PostgresServer postgres = PostgresServer.start()) {
			List<InetSocketAddress> server = HaDataSource.endpointsOf(postgres.jdbcUrl());
			HaConnections table = probes ? HaConnections.create() : noProbes(ConnectionSettings.defaults());
			HaDataSource ha = new HaDataSource(table, postgres.dataSource(), "load").endpoints(server);
			List<Connection> held = new ArrayList<>();
			List<Thread> callers = new ArrayList<>();
			try {
				for (int i = 0; i < connections; i++) {
					held.add(ha.getConnection());
				}
				postgres.stop();
				long probesBefore = table.probesSent(server.get(0));
				long started = System.nanoTime();
				for (Connection connection : held) {
					Thread caller = new Thread(() -> {
						try (PreparedStatement statement = connection.prepareStatement("select 1")) {
							selectOne(statement);
						}
						catch (SQLException ex) {
							// Counted by the attempts.
						}
					}, "load");
					caller.start();
					callers.add(caller);
				}
				TimeUnit.NANOSECONDS.sleep(downtime.toNanos());
				double seconds = (System.nanoTime() - started) / 1e9;
				long attempts = table.connections().stream().mapToLong((info) -> info.attempts()).sum();
				double[] perSecond = { (table.probesSent(server.get(0)) - probesBefore) / seconds, attempts / seconds };
				postgres.restart();
				for (Thread caller : callers) {
					caller.join(TimeUnit.MINUTES.toMillis(1));
				}
				return perSecond;
			}
			finally {
				for (Connection connection : held) {
					connection.close();
				}
			}
		}
	}

	private Outcome measureHeld(String name, PostgresServer postgres, HaConnections connections,
			List<InetSocketAddress> server) throws Exception {
		HaDataSource ha = new HaDataSource(connections, postgres.dataSource(), "held").endpoints(server);
		try (Connection connection = ha.getConnection();
				PreparedStatement statement = connection.prepareStatement("select 1")) {
			return measure(name, postgres, () -> selectOne(statement));
		}
	}

	private Outcome measure(String name, PostgresServer postgres, Call call) throws Exception {
		call.run();
		List<Double> millis = new ArrayList<>();
		AtomicLong errors = new AtomicLong();
		AtomicReference<Exception> firstError = new AtomicReference<>();
		for (int i = 0; i < this.outages; i++) {
			call.run();
			postgres.stop();
			AtomicLong succeededAt = new AtomicLong();
			Thread caller = new Thread(() -> {
				for (;;) {
					try {
						call.run();
						succeededAt.set(System.nanoTime());
						return;
					}
					catch (Exception ex) {
						errors.incrementAndGet();
						firstError.compareAndSet(null, ex);
					}
				}
			}, "caller");
			caller.start();
			TimeUnit.NANOSECONDS.sleep(this.outage.toNanos());
			long ready = restart(postgres);
			caller.join(TimeUnit.MINUTES.toMillis(2));
			if (caller.isAlive()) {
				throw new IllegalStateException(name + ": no successful call within 2 minutes of the restart");
			}
			millis.add(Math.max(0, succeededAt.get() - ready) / 1e6);
		}
		Exception error = firstError.get();
		return new Outcome(name, millis, errors.get(), (error != null) ? error.toString() : null);
	}

	/**
	 * Starts the server again, with a probe of the benchmark's own connecting every
	 * {@link #PROBE_INTERVAL} from just before the restart on.
	 * @return when the probe's first connection succeeded ({@link System#nanoTime()}):
	 * when the server accepted connections again
	 */
	static long restart(PostgresServer postgres) throws IOException, InterruptedException {
		AtomicLong readyAt = new AtomicLong();
		Thread probe = new Thread(() -> readyAt.set(firstConnection(postgres.dataSource())), "probe");
		probe.start();
		postgres.restart();
		probe.join();
		return readyAt.get();
	}

	private static long firstConnection(DataSource dataSource) {
		for (;;) {
			try (Connection connection = dataSource.getConnection()) {
				return System.nanoTime();
			}
			catch (SQLException ex) {
				try {
					TimeUnit.NANOSECONDS.sleep(PROBE_INTERVAL.toNanos());
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					return System.nanoTime();
				}
			}
		}
	}

	private static int selectOne(PreparedStatement statement) throws SQLException {
		try (ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getInt(1);
		}
	}

	@FunctionalInterface
	interface Call {

		Object run() throws Exception;

	}

}
