package io.hacover.actuate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.hacover.core.ConnectionControl;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.util.Assert;

/**
 * {@link MeterBinder} for the HA connections of a {@link HaConnections} table (H18).
 * <p>
 * Binding to a registry registers:
 * <ul>
 * <li>{@code ha.connections}: one gauge per {@link ConnectionState}, tag {@code state}
 * (the state's name in lower case), whose value is the number of connections in that
 * state, read from {@link HaConnections#connections()} when the registry asks. Closed
 * connections leave the table, so the {@code closed} gauge is always 0.</li>
 * <li>{@code ha.recoveries}: a counter of recoveries (one per outage, H36) per connection
 * and outcome, tags {@code connection} and {@code outcome}: {@code success} counts each
 * {@link HaEvent.Kind#RECOVERED RECOVERED} event, {@code failure} each
 * {@link HaEvent.Kind#GAVE_UP GAVE_UP} event, so that they equal
 * {@link ConnectionInfo#recoveriesSucceeded()} and
 * {@link ConnectionInfo#recoveriesFailed()} counted since the binding.</li>
 * <li>{@code ha.recovery.attempts}: a counter of calls of the recovery function per
 * connection and outcome: {@code success} counts each {@code RECOVERED} event (a recovery
 * ends with one successful call), {@code failure} each {@link HaEvent.Kind#ATTEMPT_FAILED
 * ATTEMPT_FAILED} event, so that they add up to {@link ConnectionInfo#attempts()} and the
 * failures equal {@link ConnectionInfo#attemptsFailed()} counted since the binding.</li>
 * <li>Counters are monotonic: {@link ConnectionControl#resetRecoveries()} sets the
 * connection's own counts to zero but leaves these counters as they are.</li>
 * <li>{@code ha.recovery.duration}: a timer per connection and outcome, tags
 * {@code connection} and {@code outcome} ({@code recovered}, {@code gave-up} or
 * {@code interrupted}), recording {@link HaEvent#duration()} of the event that ends each
 * recovery: from the stale error to the new resource or to the end of the attempts.</li>
 * <li>{@code ha.retransmissions}: a counter per connection, tag {@code connection},
 * counting each {@link HaEvent.Kind#RETRANSMITTED RETRANSMITTED} event.</li>
 * <li>{@code ha.jdbc.replays}: a counter per JDBC connection and outcome of transactions
 * interrupted by a failure (J7): {@code replayed} counts each
 * {@link HaEvent.Kind#REPLAYED REPLAYED} event, {@code rolled-back} each
 * {@link HaEvent.Kind#REPLAY_ROLLED_BACK REPLAY_ROLLED_BACK} event; registered at the
 * first.</li>
 * </ul>
 * The counters of a connection are registered at zero for the connections in the table
 * when binding and for each connection attached later, so that a scrape shows them before
 * the first failure; timers are registered at the first recovery that ends with their
 * outcome. When a connection is closed, its meters are removed from the registry, so that
 * connections that come and go (pooled JDBC connections) do not grow it without bound.
 * <p>
 * Binding adds a {@link HaListener} to the table for each registry; binding to a registry
 * this binder is already bound to has no effect. Thread-safe.
 */
public final class HaMetrics implements MeterBinder {

	private static final String CONNECTION = "connection";

	private static final String OUTCOME = "outcome";

	private final HaConnections connections;

	private final Set<MeterRegistry> registries = ConcurrentHashMap.newKeySet();

	/**
	 * Creates a binder for the connections of the given table.
	 * @param connections the table
	 */
	public HaMetrics(HaConnections connections) {
		Assert.notNull(connections, "'connections' must not be null");
		this.connections = connections;
	}

	/**
	 * Registers the {@code ha.connections} gauges and the counters of the connections in
	 * the table, and adds a listener to the table that records the recovery meters of
	 * every connection to the registry from now on.
	 * @param registry the registry
	 */
	@Override
	public void bindTo(MeterRegistry registry) {
		Assert.notNull(registry, "'registry' must not be null");
		if (!this.registries.add(registry)) {
			return;
		}
		for (ConnectionState state : ConnectionState.values()) {
			Gauge.builder("ha.connections", this.connections, (table) -> count(table, state))
				.tag("state", state.name().toLowerCase(Locale.ROOT))
				.description("HA connections in the state given by the state tag")
				.baseUnit(BaseUnits.CONNECTIONS)
				.register(registry);
		}
		Recorder recorder = new Recorder(registry);
		this.connections.addListener(recorder);
		for (ConnectionInfo info : this.connections.connections()) {
			recorder.attached(info.name());
			// Closed between the snapshot and the registration: its CLOSED event may have
			// come before the meters were registered.
			if (this.connections.find(info.name()).isEmpty()) {
				recorder.closed(info.name());
			}
		}
	}

	private static double count(HaConnections table, ConnectionState state) {
		return table.connections().stream().filter((info) -> info.state() == state).count();
	}

	/**
	 * Records the events of the table to one registry.
	 */
	private static final class Recorder implements HaListener {

		private final MeterRegistry registry;

		private final ConcurrentMap<String, ConnectionMeters> meters = new ConcurrentHashMap<>();

		Recorder(MeterRegistry registry) {
			this.registry = registry;
		}

		@Override
		public void onEvent(HaEvent event) {
			String name = event.connection();
			switch (event.kind()) {
				case ATTACHED -> attached(name);
				case ATTEMPT_FAILED -> metersOf(name).attemptsFailed.increment();
				case RECOVERED -> {
					ConnectionMeters meters = metersOf(name);
					meters.successes.increment();
					meters.attemptsSucceeded.increment();
					meters.duration("recovered").record(event.duration());
				}
				case GAVE_UP -> {
					ConnectionMeters meters = metersOf(name);
					meters.failures.increment();
					meters.duration("gave-up").record(event.duration());
				}
				case INTERRUPTED -> metersOf(name).duration("interrupted").record(event.duration());
				case RETRANSMITTED -> metersOf(name).retransmissions.increment();
				case REPLAYED -> metersOf(name).replays("replayed").increment();
				case REPLAY_ROLLED_BACK -> metersOf(name).replays("rolled-back").increment();
				case CLOSED -> closed(name);
				default -> {
				}
			}
		}

		void attached(String name) {
			metersOf(name);
		}

		void closed(String name) {
			ConnectionMeters removed = this.meters.remove(name);
			if (removed != null) {
				removed.all().forEach(this.registry::remove);
			}
		}

		private ConnectionMeters metersOf(String name) {
			return this.meters.computeIfAbsent(name, (key) -> new ConnectionMeters(this.registry, key));
		}

		@Override
		public String toString() {
			return "HaMetrics recorder for " + this.registry;
		}

	}

	/**
	 * The meters of one connection in one registry.
	 */
	private static final class ConnectionMeters {

		private final MeterRegistry registry;

		private final String connection;

		private final Counter successes;

		private final Counter failures;

		private final Counter attemptsSucceeded;

		private final Counter attemptsFailed;

		private final Counter retransmissions;

		private final Map<String, Timer> durations = new ConcurrentHashMap<>();

		private final Map<String, Counter> replays = new ConcurrentHashMap<>();

		ConnectionMeters(MeterRegistry registry, String connection) {
			this.registry = registry;
			this.connection = connection;
			this.successes = recoveries("success");
			this.failures = recoveries("failure");
			this.attemptsSucceeded = attempts("success");
			this.attemptsFailed = attempts("failure");
			this.retransmissions = Counter.builder("ha.retransmissions")
				.tag(CONNECTION, connection)
				.description("Operations issued again on an HA connection after a recovery")
				.baseUnit("retransmissions")
				.register(registry);
		}

		private Counter recoveries(String outcome) {
			return counter("ha.recoveries", outcome, "recoveries", "Recoveries of an HA connection, one per outage: "
					+ "success when it got a new resource, failure when it gave up");
		}

		private Counter attempts(String outcome) {
			return counter("ha.recovery.attempts", outcome, "attempts", "Calls of the recovery function of an HA "
					+ "connection: success when it returned a new resource, failure when it failed or returned null");
		}

		private Counter counter(String name, String outcome, String unit, String description) {
			return Counter.builder(name)
				.tags(CONNECTION, this.connection, OUTCOME, outcome)
				.description(description)
				.baseUnit(unit)
				.register(this.registry);
		}

		Timer duration(String outcome) {
			return this.durations.computeIfAbsent(outcome,
					(key) -> Timer.builder("ha.recovery.duration")
						.tags(CONNECTION, this.connection, OUTCOME, key)
						.description("Time from the stale error to the end of a recovery of an HA connection, by how "
								+ "it ended: recovered, gave-up or interrupted")
						.register(this.registry));
		}

		Counter replays(String outcome) {
			return this.replays.computeIfAbsent(outcome, (key) -> counter("ha.jdbc.replays", key, "transactions",
					"Transactions of an HA JDBC connection interrupted by a failure: replayed when the replay came out "
							+ "the same and went on, rolled-back when it could not be replayed or came out otherwise"));
		}

		List<Meter> all() {
			List<Meter> all = new ArrayList<>(List.of(this.successes, this.failures, this.attemptsSucceeded,
					this.attemptsFailed, this.retransmissions));
			all.addAll(this.durations.values());
			all.addAll(this.replays.values());
			return all;
		}

	}

}
