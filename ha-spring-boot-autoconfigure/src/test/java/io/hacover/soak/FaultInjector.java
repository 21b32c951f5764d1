package io.hacover.soak;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.StatementRelay;
import io.hacover.testsupport.StatementRelay.CutPoint;
import io.hacover.testsupport.TcpFaultProxy;

/**
 * Runs a {@link Schedule} on its own thread: applies each fault after its gap, holds it,
 * heals it, and counts the faults that took effect by kind.
 * <p>
 * The path of the workload's connections is proxy, then relay, then server: the
 * {@link TcpFaultProxy} makes black holes and latency, the {@link StatementRelay} cuts at
 * a statement, and the server is stopped, crashed and restarted on its port. A cut that
 * no client triggers within {@link #CUT_WAIT} is disarmed and does not count.
 */
final class FaultInjector {

	static final Duration CUT_WAIT = Duration.ofSeconds(3);

	/**
	 * The statements a cut matches, as the workload's connections send them: its own
	 * statements, and pgjdbc's {@code COMMIT}.
	 */
	private static final List<String> CUT_STATEMENTS = List.of(Workload.INSERT, Workload.UPDATE, "COMMIT",
			Workload.READ);

	private final PostgresServer server;

	private final StatementRelay relay;

	private final TcpFaultProxy proxy;

	private final Map<FaultKind, Integer> scheduled = new ConcurrentHashMap<>();

	private final Map<FaultKind, Integer> injected = new ConcurrentHashMap<>();

	private final List<String> failures = new CopyOnWriteArrayList<>();

	private final CountDownLatch stopped = new CountDownLatch(1);

	private final Thread thread;

	FaultInjector(Schedule schedule, PostgresServer server, StatementRelay relay, TcpFaultProxy proxy) {
		this.server = server;
		this.relay = relay;
		this.proxy = proxy;
		this.thread = new Thread(() -> run(schedule), "chaos-faults");
		this.thread.setDaemon(true);
	}

	void start() {
		this.thread.start();
	}

	/**
	 * Stops injecting, heals whatever is still held, and makes sure the server runs.
	 * @param timeout how long to wait for a fault in progress
	 * @throws InterruptedException if interrupted while waiting
	 */
	void stop(Duration timeout) throws InterruptedException {
		this.stopped.countDown();
		this.thread.join(timeout.toMillis());
		heal();
		if (!this.server.running()) {
			restart();
		}
	}

	private void run(Schedule schedule) {
		for (Fault fault : schedule.faults()) {
			if (pause(fault.after().toNanos())) {
				return;
			}
			this.scheduled.merge(fault.kind(), 1, Integer::sum);
			try {
				if (apply(fault)) {
					this.injected.merge(fault.kind(), 1, Integer::sum);
				}
				if (fault.kind().holds()) {
					pause(fault.hold().toNanos());
					heal();
				}
			}
			catch (Exception ex) {
				this.failures.add(fault + ": " + ex);
				heal();
			}
		}
	}

	/**
	 * Waits for the schedule's next step, or until stopped.
	 * @return whether stopped
	 */
	private boolean pause(long nanos) {
		try {
			return this.stopped.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return true;
		}
	}

	private boolean apply(Fault fault) throws Exception {
		switch (fault.kind()) {
			case FAST_STOP -> {
				this.server.stop();
				restart();
			}
			case IMMEDIATE_STOP -> {
				this.server.stopImmediately();
				restart();
			}
			case POSTMASTER_SIGKILL -> {
				this.server.crash();
				restart();
			}
			case TERMINATE_BACKEND -> {
				return terminateOne(fault.choice());
			}
			case CUT_BEFORE_SEND -> {
				return cut(fault.choice(), CutPoint.BEFORE_SEND);
			}
			case CUT_AFTER_SERVER_RECEIVES -> {
				return cut(fault.choice(), CutPoint.AFTER_SERVER_RECEIVES);
			}
			case BLACK_HOLE -> this.proxy.blackHole(true);
			case LATENCY -> this.proxy.latency(Duration.ofMillis(50 + fault.choice() % 250));
		}
		return true;
	}

	private void restart() {
		try {
			this.server.restart();
		}
		catch (IOException ex) {
			throw new IllegalStateException("the server did not start again", ex);
		}
	}

	private boolean terminateOne(int choice) throws SQLException {
		List<Integer> pids = new ArrayList<>();
		try (Connection admin = this.server.dataSource().getConnection();
				Statement statement = admin.createStatement();
				ResultSet rows = statement.executeQuery("select pid from pg_stat_activity where backend_type = "
						+ "'client backend' and pid <> pg_backend_pid() " + "order by pid")) {
			while (rows.next()) {
				pids.add(rows.getInt(1));
			}
		}
		if (pids.isEmpty()) {
			return false;
		}
		try {
			this.server.terminate(pids.get(choice % pids.size()));
			return true;
		}
		catch (IllegalStateException ex) {
			return false;
		}
	}

	private boolean cut(int choice, CutPoint point) throws InterruptedException {
		StatementRelay.Cut cut = this.relay.arm(CUT_STATEMENTS.get(choice % CUT_STATEMENTS.size()), point);
		try {
			cut.awaitFired(CUT_WAIT);
			return true;
		}
		catch (IllegalStateException ex) {
			this.relay.disarm();
			return cut.fired();
		}
	}

	private void heal() {
		this.proxy.blackHole(false);
		this.proxy.latency(Duration.ZERO);
		this.relay.disarm();
	}

	/**
	 * Returns how many faults of each kind the schedule reached.
	 * @return the counts
	 */
	Map<FaultKind, Integer> scheduled() {
		return counts(this.scheduled);
	}

	/**
	 * Returns how many faults of each kind took effect: a cut that fired, a backend that
	 * was there to terminate, every restart, black hole and latency.
	 * @return the counts
	 */
	Map<FaultKind, Integer> injected() {
		return counts(this.injected);
	}

	private static Map<FaultKind, Integer> counts(Map<FaultKind, Integer> counts) {
		Map<FaultKind, Integer> copy = new EnumMap<>(FaultKind.class);
		copy.putAll(counts);
		return copy;
	}

	/**
	 * Returns the faults that could not be applied, with why.
	 * @return the failures
	 */
	List<String> failures() {
		return List.copyOf(this.failures);
	}

}
