package io.hacover.spring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;

import org.springframework.context.ApplicationEvent;
import org.springframework.util.Assert;

/**
 * Application event published for each {@link HaEvent} of an HA connection: its failure,
 * recovery, give-up, attach, detach and the rest. The source is the {@link HaConnections}
 * table the connection belongs to.
 * <p>
 * The {@link #kind() kinds} an application usually listens for:
 * <ul>
 * <li>failure: {@link HaEvent.Kind#RECOVERY_STARTED RECOVERY_STARTED}, a stale error
 * started a recovery ({@link #cause()} is the stale error, H8), and
 * {@link HaEvent.Kind#ATTEMPT_FAILED ATTEMPT_FAILED}, one call of the recovery function
 * failed ({@link #cause()} is its failure, or {@code null} when it returned
 * {@code null});</li>
 * <li>recovery: {@link HaEvent.Kind#RECOVERED RECOVERED}, the connection uses a new
 * resource (H10), {@link #duration()} is how long the recovery took;</li>
 * <li>give-up: {@link HaEvent.Kind#GAVE_UP GAVE_UP}, the recovery gave up and the caller
 * gets the stale error (H11, H12, H15, H16), {@link #cause()} is that error with the
 * reason attached as suppressed;</li>
 * <li>attach, detach and replace: {@link HaEvent.Kind#ATTACHED ATTACHED},
 * {@link HaEvent.Kind#DETACHED DETACHED} (H5) and {@link HaEvent.Kind#REPLACED REPLACED}
 * (H3).</li>
 * </ul>
 * Every {@code RECOVERY_STARTED} is followed by exactly one of {@code RECOVERED},
 * {@code GAVE_UP} or {@code INTERRUPTED}.
 * <p>
 * Events are published synchronously, on the thread where the thing happened, while it
 * happens: a recovery event while the connection's recovery is in progress, so a slow
 * listener slows that recovery and the callers waiting for it (H19). Annotate a listener
 * with {@code @Async} to decouple it. Events that happen before the application context
 * is refreshed, such as the {@code ATTACHED} of connection beans, are published when it
 * is ({@link HaApplicationEventPublisher}). An exception thrown by a listener is logged
 * and never reaches the connection or its caller (with Spring's default multicaster, the
 * listeners after it miss that event). A listener must not call the control operations of
 * the same connection (H22).
 * <p>
 * Filter by kind in the listener's condition, where {@code #event.kind} is
 * {@link #kind()}. For example, a listener of give-ups only:
 *
 * <pre class="code">
 * &#064;EventListener(condition = "#event.kind.name() == 'GAVE_UP'")
 * void gaveUp(HaConnectionEvent event) {
 *     ...
 * }
 * </pre>
 * <p>
 * {@link #getTimestamp()} is the time of the engine's event, the same as {@link #time()}.
 *
 * @see HaApplicationEventPublisher
 * @see HaListener
 */
public class HaConnectionEvent extends ApplicationEvent {

	private final HaEvent event;

	/**
	 * Creates an event.
	 * @param connections the table the connection belongs to
	 * @param event the engine's event
	 */
	public HaConnectionEvent(HaConnections connections, HaEvent event) {
		super(connections, Clock.fixed(requireEvent(event).time(), ZoneOffset.UTC));
		this.event = event;
	}

	private static HaEvent requireEvent(HaEvent event) {
		Assert.notNull(event, "'event' must not be null");
		return event;
	}

	/**
	 * Returns the table the connection belongs to.
	 * @return the table
	 */
	@Override
	public HaConnections getSource() {
		return (HaConnections) super.getSource();
	}

	/**
	 * Returns the engine's event.
	 * @return the event
	 */
	public HaEvent haEvent() {
		return this.event;
	}

	/**
	 * Returns what happened.
	 * @return the kind of event
	 */
	public HaEvent.Kind kind() {
		return this.event.kind();
	}

	/**
	 * Returns the name of the connection it happened to.
	 * @return the connection's name
	 */
	public String connection() {
		return this.event.connection();
	}

	/**
	 * Returns when it happened.
	 * @return the time of the engine's event
	 */
	public Instant time() {
		return this.event.time();
	}

	/**
	 * Returns the attempt number, for recovery events.
	 * @return the attempt number, 0 for other events
	 */
	public int attempt() {
		return this.event.attempt();
	}

	/**
	 * Returns the error that goes with the event: the stale error for
	 * {@code RECOVERY_STARTED}, {@code GAVE_UP} and {@code INTERRUPTED}, the failure of
	 * the recovery function for {@code ATTEMPT_FAILED}. Its message is the original one:
	 * show or log {@link HaEvent#maskedCause()} instead.
	 * @return the error, or {@code null} if none
	 */
	public Throwable cause() {
		return this.event.cause();
	}

	/**
	 * Returns how long the recovery took, for {@code RECOVERED}, {@code GAVE_UP} and
	 * {@code INTERRUPTED}.
	 * @return the duration, {@link Duration#ZERO} for other events
	 */
	public Duration duration() {
		return this.event.duration();
	}

	/**
	 * Returns the event as text, with the cause's credentials masked
	 * ({@link HaEvent#maskedCause()}), so that logging an event never shows a password or
	 * token.
	 * @return the event as text
	 */
	@Override
	public String toString() {
		return "HaConnectionEvent[kind=" + kind() + ", connection=" + connection() + ", time=" + time() + ", attempt="
				+ attempt() + ", cause=" + this.event.maskedCause() + ", duration=" + duration() + "]";
	}

}
