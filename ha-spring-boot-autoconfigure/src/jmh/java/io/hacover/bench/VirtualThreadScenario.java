package io.hacover.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresServer;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * 1,000 virtual threads calling {@code SELECT 1} through a HikariCP pool of 10, first
 * with the server up (calls per second), then through fast stops and restarts of it (the
 * time from the server accepting connections to the first and to the 1,000th successful
 * call, and the errors). Three pools, one after the other on one server: plain HikariCP,
 * HikariCP over HA connections (what {@code ha.jdbc.enabled=true} makes, with readiness
 * probes) and HikariCP with Spring's {@code @Retryable}. A caller that gets an error calls again at once. Virtual threads
 * are made by reflection: on a JVM older than 21 the scenario is skipped.
 */
final class VirtualThreadScenario {

	static final int THREADS = 1_000;

	static final int POOL = 10;

	private final Duration steady;

	private final int outages;

	private final Duration outage;

	VirtualThreadScenario(Duration steady, int outages, Duration outage) {
		this.steady = steady;
		this.outages = outages;
		this.outage = outage;
	}

	static boolean available() {
		return Runtime.version().feature() >= 21;
	}

	/**
	 * Runs the three callers one after the other on one server.
	 * @return what each measured, in the order plain, HA, {@code @Retryable}
	 * @throws Exception if the server cannot be started or a caller hangs
	 */
	List<Result> run() throws Exception {
		List<Result> results = new ArrayList<>();
		try (PostgresServer postgres = PostgresServer.start()) {
			try (HikariDataSource pool = pool(postgres, "vt-plain", null)) {
				JdbcTemplate jdbc = new JdbcTemplate(pool);
				results.add(measure("HikariCP", postgres, () -> jdbc.queryForObject("select 1", Integer.class), null));
			}
			List<InetSocketAddress> server = HaDataSource.endpointsOf(postgres.jdbcUrl());
			HaConnections table = HaConnections.create();
			try (HikariDataSource pool = pool(postgres, "vt-ha",
					new HaDataSource(table, postgres.dataSource(), "vt").endpoints(server))) {
				JdbcTemplate jdbc = new JdbcTemplate(pool);
				results.add(measure("HikariCP over HA, probes", postgres,
						() -> jdbc.queryForObject("select 1", Integer.class), new Watch(table, server.get(0))));
			}
			try (HikariDataSource pool = pool(postgres, "vt-retryable", null);
					AnnotationConfigApplicationContext context = RetryableSelect.context(pool)) {
				RetryableSelect select = context.getBean(RetryableSelect.class);
				results.add(measure("HikariCP + @Retryable", postgres, select::selectOne, null));
			}
		}
		return results;
	}

	private static HikariDataSource pool(PostgresServer postgres, String name, HaDataSource ha) {
		HikariConfig config = new HikariConfig();
		config.setPoolName(name);
		if (ha != null) {
			config.setDataSource(ha);
		}
		else {
			config.setJdbcUrl(postgres.jdbcUrl());
		}
		config.setMaximumPoolSize(POOL);
		config.setMinimumIdle(POOL);
		// HikariCP hands its connections out unevenly among virtual threads: some wait
		// past its 30 s default. Such a wait is the pool's, not a failure of the server.
		config.setConnectionTimeout(TimeUnit.MINUTES.toMillis(5));
		return new HikariDataSource(config);
	}

	private Result measure(String name, PostgresServer postgres, RecoveryScenarios.Call call, Watch watch)
			throws Exception {
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong calls = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		AtomicReference<Exception> firstError = new AtomicReference<>();
		// Successful calls since the last stop, and when the first and the THREADS-th came.
		AtomicLong sinceStop = new AtomicLong();
		AtomicLong firstAt = new AtomicLong();
		AtomicLong backAt = new AtomicLong();
		AtomicIntegerArray served = new AtomicIntegerArray(THREADS);
		List<Double> first = new ArrayList<>();
		List<Double> back = new ArrayList<>();
		double probesPerInterval = 0;
		long attemptsWhileDown = 0;
		ExecutorService threads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		try {
			List<Future<?>> callers = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				int caller = i;
				callers.add(threads.submit(() -> {
					while (!stop.get()) {
						try {
							call.run();
							calls.incrementAndGet();
							served.set(caller, 1);
							long n = sinceStop.incrementAndGet();
							if (n == 1 || n == THREADS) {
								long now = System.nanoTime();
								firstAt.compareAndSet(0, now);
								if (n == THREADS) {
									backAt.compareAndSet(0, now);
								}
							}
						}
						catch (Exception ex) {
							errors.incrementAndGet();
							firstError.compareAndSet(null, ex);
						}
					}
				}));
			}
			await(() -> calls.get() >= THREADS, name + ": fewer than " + THREADS + " calls in 2 minutes", errors,
					firstError);
			// As long again to warm up, then count.
			TimeUnit.NANOSECONDS.sleep(this.steady.toNanos());
			long before = calls.get();
			long started = System.nanoTime();
			TimeUnit.NANOSECONDS.sleep(this.steady.toNanos());
			double perSecond = (calls.get() - before) / ((System.nanoTime() - started) / 1e9);
			long errorsBefore = errors.get();
			for (int i = 0; i < this.outages; i++) {
				postgres.stop();
				sinceStop.set(0);
				firstAt.set(0);
				backAt.set(0);
				long probesBefore = (watch != null) ? watch.probes() : 0;
				long attemptsBefore = (watch != null) ? watch.attempts() : 0;
				long down = System.nanoTime();
				TimeUnit.NANOSECONDS.sleep(this.outage.toNanos());
				if (watch != null) {
					long intervals = (System.nanoTime() - down) / HaConnections.DEFAULT_PROBE_INTERVAL.toNanos();
					probesPerInterval = Math.max(probesPerInterval,
							(watch.probes() - probesBefore) / (double) intervals);
					attemptsWhileDown += watch.attempts() - attemptsBefore;
				}
				long ready = RecoveryScenarios.restart(postgres);
				await(() -> sinceStop.get() >= THREADS,
						name + ": fewer than " + THREADS + " calls within 2 minutes of a restart", errors, firstError);
				await(() -> backAt.get() != 0, name + ": no time for the " + THREADS + "th call", errors, firstError);
				first.add((firstAt.get() - ready) / 1e6);
				back.add((backAt.get() - ready) / 1e6);
			}
			stop.set(true);
			for (Future<?> caller : callers) {
				caller.get(1, TimeUnit.MINUTES);
			}
			int threadsServed = 0;
			for (int caller = 0; caller < THREADS; caller++) {
				threadsServed += served.get(caller);
			}
			return new Result(name, perSecond, new Outcome(name, first, errors.get() - errorsBefore, null),
					new Outcome(name, back, 0, null), threadsServed, (watch != null) ? watch.recoveries() : null,
					probesPerInterval, attemptsWhileDown);
		}
		finally {
			stop.set(true);
			threads.shutdownNow();
		}
	}

	private static void await(BooleanSupplier condition, String failure, AtomicLong errors,
			AtomicReference<Exception> firstError) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(failure + "; errors: " + errors + ", the first: " + firstError);
			}
			TimeUnit.MILLISECONDS.sleep(1);
		}
	}

	/**
	 * What one caller measured.
	 *
	 * @param name the caller
	 * @param callsPerSecond calls per second with the server up
	 * @param first ms from the server accepting connections after each restart to the first
	 * successful call, and the errors callers saw during the outages
	 * @param back ms from the server accepting connections after each restart to the
	 * 1,000th successful call
	 * @param threadsServed how many of the 1,000 threads had a successful call in the run
	 * @param recoveries the fewest and the most recoveries a physical HA connection made over
	 * all outages, or {@code null} without HA
	 * @param probesPerInterval the most readiness probes per probe interval while the server
	 * was down, or 0 without HA
	 * @param attemptsWhileDown reconnect attempts of all HA connections while the server was
	 * down, over all outages
	 */
	record Result(String name, double callsPerSecond, Outcome first, Outcome back, int threadsServed,
			long[] recoveries, double probesPerInterval, long attemptsWhileDown) {

		String line(Result baseline) {
			return String.format(Locale.ROOT, "%-26s %9.0f %8.3f %8.1f %8.1f %8.1f %6d %7d %s", this.name,
					this.callsPerSecond, this.callsPerSecond / baseline.callsPerSecond, this.first.median(),
					this.back.median(), this.back.max(), this.first.errors(), this.threadsServed,
					(this.recoveries == null) ? "-" : String.format(Locale.ROOT,
							"recoveries per connection %d to %d, %.2f probes per interval, %d attempts while down",
							this.recoveries[0], this.recoveries[1], this.probesPerInterval, this.attemptsWhileDown));
		}

	}

	/**
	 * The HA table's counters for the server's endpoint.
	 */
	private record Watch(HaConnections table, InetSocketAddress endpoint) {

		long probes() {
			return this.table.probesSent(this.endpoint);
		}

		long attempts() {
			return this.table.connections().stream().mapToLong(ConnectionInfo::attempts).sum();
		}

		long[] recoveries() {
			LongSummaryStatistics recoveries = this.table.connections()
				.stream()
				.mapToLong(ConnectionInfo::recoveriesSucceeded)
				.summaryStatistics();
			return new long[] { recoveries.getMin(), recoveries.getMax() };
		}

	}

}
