package io.hacover.actuate;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.util.Assert;

/**
 * {@link HaListener} that makes each recovery of an HA connection a Micrometer
 * {@link Observation} named {@value #NAME}.
 * <p>
 * The observation starts on {@link HaEvent.Kind#RECOVERY_STARTED}, on the thread that hit
 * the stale error: its parent is the observation current on that thread, so that a
 * tracing bridge shows the recovery inside the caller's span. Its contextual name is
 * {@code ha recovery <connection>}; its low-cardinality key values are {@code connection}
 * and, once it ends, {@code outcome}: {@code recovered}, {@code gave-up} or
 * {@code interrupted}. Each failed call of the recovery function
 * ({@link HaEvent.Kind#ATTEMPT_FAILED}) adds an {@link Observation.Event} named
 * {@value #ATTEMPT_FAILED}, whose contextual name gives the attempt number and the class
 * of the failure (never its message, which may hold credentials). A recovery that gives
 * up ({@link HaEvent.Kind#GAVE_UP}) sets the observation's error to the stale error, with
 * the reason of the give-up suppressed in it. The observation stops on
 * {@link HaEvent.Kind#RECOVERED}, {@link HaEvent.Kind#GAVE_UP} or
 * {@link HaEvent.Kind#INTERRUPTED}.
 * <p>
 * No scope is opened: the recovery function runs outside the observation's scope. A
 * recovery that was running when this listener was added is not observed. Thread-safe.
 */
public final class RecoveryObservations implements HaListener {

	/**
	 * The name of the observation of a recovery.
	 */
	public static final String NAME = "ha.recovery";

	/**
	 * The name of the event of a failed call of the recovery function.
	 */
	public static final String ATTEMPT_FAILED = "attempt.failed";

	private final ObservationRegistry registry;

	private final ConcurrentMap<String, Observation> inFlight = new ConcurrentHashMap<>();

	/**
	 * Creates a listener that observes recoveries in the given registry.
	 * @param registry the observation registry
	 */
	public RecoveryObservations(ObservationRegistry registry) {
		Assert.notNull(registry, "'registry' must not be null");
		this.registry = registry;
	}

	/**
	 * Starts, adds an event to or stops the observation of the event's connection; other
	 * kinds of events are ignored.
	 * @param event the event
	 */
	@Override
	public void onEvent(HaEvent event) {
		switch (event.kind()) {
			case RECOVERY_STARTED -> start(event.connection());
			case ATTEMPT_FAILED -> attemptFailed(event);
			case RECOVERED -> stop(event.connection(), "recovered", null);
			case GAVE_UP -> stop(event.connection(), "gave-up", event.cause());
			case INTERRUPTED -> stop(event.connection(), "interrupted", null);
			default -> {
			}
		}
	}

	private void start(String connection) {
		Observation observation = Observation.createNotStarted(NAME, this.registry)
			.contextualName("ha recovery " + connection)
			.lowCardinalityKeyValue("connection", connection)
			.start();
		this.inFlight.put(connection, observation);
	}

	private void attemptFailed(HaEvent event) {
		Observation observation = this.inFlight.get(event.connection());
		if (observation != null) {
			String failure = (event.cause() != null) ? event.cause().getClass().getName() : "gave up (returned null)";
			observation.event(Observation.Event.of(ATTEMPT_FAILED,
					"attempt " + event.attempt() + " of the recovery function failed: " + failure));
		}
	}

	private void stop(String connection, String outcome, Throwable error) {
		Observation observation = this.inFlight.remove(connection);
		if (observation != null) {
			observation.lowCardinalityKeyValue("outcome", outcome);
			if (error != null) {
				observation.error(error);
			}
			observation.stop();
		}
	}

	@Override
	public String toString() {
		return "RecoveryObservations in " + this.registry;
	}

}
