package io.hacover.soak;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.jdbc.HaDataSource;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.StatementRelay;
import io.hacover.testsupport.TcpFaultProxy;

import static org.awaitility.Awaitility.await;

/**
 * A chaos soak with a history check: a {@link Workload} of transactions with unique ids
 * and reads on an {@link HaDataSource}, under the faults of a seeded {@link Schedule},
 * then a {@link Checker} that reads the whole history and the database.
 * <p>
 * PostgreSQL runs with {@code synchronous_commit=on} (J10). The workload's connections go
 * through a {@link TcpFaultProxy} (black holes, latency), then a {@link StatementRelay}
 * (cuts before and after a statement reaches the server), then the server (stopped,
 * crashed, restarted; backends terminated). Their URL sets {@code socketTimeout=3}, so
 * that a connection whose bytes a black hole dropped fails within 3 seconds instead of
 * waiting for TCP's retransmission limit (H35), and {@code prepareThreshold=0}, so that
 * every execution sends its statement's text for the relay to match. Recovery has a
 * budget of 10 seconds, so a call is bounded by 3 + 10 seconds plus the engine's grace of
 * 1 second (H28).
 */
final class ChaosSoak {

	static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(3);

	static final Duration BUDGET = Duration.ofSeconds(10);

	static final Duration CALL_BOUND = SOCKET_TIMEOUT.plus(BUDGET).plus(RecoveryPolicy.GRACE);

	private final Duration duration;

	private final long seed;

	private final int threads;

	/**
	 * Makes a soak.
	 * @param duration how long the workload runs under faults
	 * @param seed the seed of the schedule and of the workload's choices
	 * @param threads how many workload threads run
	 */
	ChaosSoak(Duration duration, long seed, int threads) {
		this.duration = duration;
		this.seed = seed;
		this.threads = threads;
	}

	/**
	 * Runs the soak on a server of its own and checks it.
	 * @return the report
	 * @throws Exception if the server or the check cannot run
	 */
	ChaosReport run() throws Exception {
		Schedule schedule = Schedule.of(this.seed, this.duration);
		try (PostgresServer server = PostgresServer.startWithSynchronousCommit();
				StatementRelay relay = StatementRelay.start(server.port());
				TcpFaultProxy proxy = TcpFaultProxy.start(relay.port())) {
			server.execute(Workload.schema(this.threads));
			HaConnections connections = HaConnections.create(
					new ConnectionSettings(RecoveryPolicy.exponential(Duration.ofMillis(20), 2.0,
							Duration.ofMillis(200), 1000, BUDGET, Duration.ZERO), RetransmitPolicy.SAFE, 3, -1, -1),
					StaleConnectionClassifier.defaults());
			AtomicInteger replayed = new AtomicInteger();
			AtomicInteger replaysRolledBack = new AtomicInteger();
			connections.addListener((event) -> {
				if (event.kind() == HaEvent.Kind.REPLAYED) {
					replayed.incrementAndGet();
				}
				else if (event.kind() == HaEvent.Kind.REPLAY_ROLLED_BACK) {
					replaysRolledBack.incrementAndGet();
				}
			});
			String url = server.jdbcUrl(proxy.port()) + "&prepareThreshold=0&socketTimeout="
					+ SOCKET_TIMEOUT.toSeconds() + "&connectTimeout=3&loginTimeout=3";
			HaDataSource dataSource = HaDataSource.of(connections, "chaos", url, "postgres", null,
					connections.defaults());
			History history = new History();
			Workload workload = new Workload(dataSource, this.threads, this.seed, history);
			FaultInjector injector = new FaultInjector(schedule, server, relay, proxy);
			long start = System.nanoTime();
			long end = start + this.duration.toNanos();
			workload.start();
			injector.start();
			await().atMost(this.duration.plusSeconds(10))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> System.nanoTime() >= end);
			injector.stop(Duration.ofSeconds(60));
			List<String> hung = workload.stop(CALL_BOUND.plusSeconds(5));
			Duration ran = Duration.ofNanos(System.nanoTime() - start);
			List<Operation> operations = history.operations();
			Checker.Verdict verdict = new Checker(CALL_BOUND).check(operations, hung, server.dataSource());
			return new ChaosReport(this.seed, ran, this.threads, injector.scheduled(), injector.injected(),
					injector.failures(), operations, replayed.get(), replaysRolledBack.get(), CALL_BOUND, verdict);
		}
	}

}
