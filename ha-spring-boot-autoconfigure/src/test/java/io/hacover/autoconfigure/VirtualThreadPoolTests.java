package io.hacover.autoconfigure;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 1,000 virtual threads on a HikariCP pool of 10 with {@code ha.jdbc.enabled}, through
 * restarts of PostgreSQL (H10, H12, H19): no caller sees an error, each physical
 * connection recovers once per outage, and while the server is down the one readiness
 * probe of its endpoint is the only load the connections put on it, at most one probe per
 * interval whatever their number. Virtual threads are made by reflection, so the test
 * runs on Java 21 and later only.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VirtualThreadPoolTests {

	private static final int THREADS = 1_000;

	private static final int POOL = 10;

	private static final int OUTAGES = 2;

	@Test
	@DisplayName("H10, H12, H19: 1,000 virtual threads on a pool of 10 ride out restarts with no error, one recovery "
			+ "per physical connection per outage, and one probe per interval while the server is down")
	void thousandVirtualThreadsOnAPoolOfTenRideOutRestarts() throws Exception {
		try (PostgresServer server = PostgresServer.start()) {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaJdbcAutoConfiguration.class,
						DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
				.withPropertyValues("ha.jdbc.enabled=true", "spring.datasource.url=" + server.jdbcUrl(),
						"spring.datasource.username=postgres", "spring.datasource.hikari.maximum-pool-size=" + POOL,
						"spring.datasource.hikari.minimum-idle=" + POOL)
				.run((context) -> {
					JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
					HaConnections connections = context.getBean(HaConnections.class);
					InetSocketAddress endpoint = InetSocketAddress.createUnresolved("localhost", server.port());
					List<String> errors = new CopyOnWriteArrayList<>();
					AtomicLong calls = new AtomicLong();
					AtomicBoolean stop = new AtomicBoolean();
					ExecutorService virtualThreads = (ExecutorService) Executors.class
						.getMethod("newVirtualThreadPerTaskExecutor")
						.invoke(null);
					try {
						List<Future<?>> callers = new ArrayList<>();
						for (int i = 0; i < THREADS; i++) {
							callers.add(virtualThreads.submit(() -> {
								while (!stop.get()) {
									try {
										jdbc.queryForObject("select 1", Integer.class);
										calls.incrementAndGet();
									}
									catch (RuntimeException ex) {
										errors.add(ex.toString());
									}
								}
							}));
						}
						await().until(() -> connections.connections().size() == POOL && calls.get() > THREADS);
						for (int outage = 1; outage <= OUTAGES; outage++) {
							server.stop();
							long probesBefore = connections.probesSent(endpoint);
							await().until(() -> connections.probesSent(endpoint) - probesBefore >= 5);
							// The port is closed now (a fast stop keeps it open while the
							// server
							// shuts down, and attempts then meet 57P01): from here on,
							// the
							// recoveries wait for the probe and make no attempt.
							Map<String, Long> attemptsWhileClosed = new HashMap<>();
							connections.connections()
								.forEach((info) -> attemptsWhileClosed.put(info.name(), info.attempts()));
							long closed = System.nanoTime();
							long probesClosed = connections.probesSent(endpoint);
							await().until(() -> connections.probesSent(endpoint) - probesClosed >= 20);
							long probes = connections.probesSent(endpoint) - probesClosed;
							long intervals = (System.nanoTime() - closed)
									/ HaConnections.DEFAULT_PROBE_INTERVAL.toNanos();
							assertThat(probes).as("probes in %d intervals", intervals)
								.isLessThanOrEqualTo(intervals + 1);
							assertThat(connections.connections()).allSatisfy((info) -> assertThat(info.attempts())
								.as("attempts of %s while the port is closed", info.name())
								.isEqualTo(attemptsWhileClosed.get(info.name())));
							server.restart();
							int done = outage;
							long callsNow = calls.get();
							await().until(() -> calls.get() > callsNow + THREADS && connections.connections()
								.stream()
								.allMatch((info) -> info.recoveriesSucceeded() == done));
						}
						stop.set(true);
						for (Future<?> caller : callers) {
							caller.get(1, TimeUnit.MINUTES);
						}
					}
					finally {
						stop.set(true);
						virtualThreads.shutdownNow();
					}
					assertThat(errors).isEmpty();
					assertThat(connections.connections()).hasSize(POOL).allSatisfy((info) -> {
						assertThat(info.recoveriesSucceeded()).as("recoveries of %s", info.name()).isEqualTo(OUTAGES);
						assertThat(info.recoveriesFailed()).isZero();
					});
					System.out.printf("1,000 virtual threads, pool of %d: %d calls, %d outages, 0 errors, %s%n", POOL,
							calls.get(), OUTAGES,
							connections.connections().stream().map(ConnectionInfo::attempts).toList());
				});
		}
	}

}
