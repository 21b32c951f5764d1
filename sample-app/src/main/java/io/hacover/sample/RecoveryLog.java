package io.hacover.sample;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Keeps the last {@value #KEPT} events of the HA connections for {@code /api/demo}, each
 * told in one readable line, for example {@code orders-1 (jdbc): connection lost
 * (PSQLException: An I/O error occurred while sending to the backend.), recovering}, then
 * {@code orders-1 (jdbc): recovered in 412 ms after 3 attempts}, or
 * {@code greeting (client): recovered in 380 ms after 4 attempts by 'reconnect'} for a
 * connection recovered by a recovery bean.
 * <p>
 * The engine itself logs each lost connection, recovery and give-up
 * ({@code io.hacover.core.RecoveryLogger}), so this log writes only the other events
 * (attached, detached, replaced, replayed, ...) to the application's log. Failed recovery
 * attempts and retransmissions are not kept one by one: the line of the recovery counts
 * the attempts. Error messages are masked ({@code HaEvent.maskedCause()}).
 */
final class RecoveryLog implements HaListener {

	static final int KEPT = 50;

	private static final Log logger = LogFactory.getLog(RecoveryLog.class);

	private static final Set<HaEvent.Kind> LOGGED_BY_THE_ENGINE = EnumSet.of(HaEvent.Kind.RECOVERY_STARTED,
			HaEvent.Kind.RECOVERED, HaEvent.Kind.GAVE_UP, HaEvent.Kind.INTERRUPTED);

	private final ObjectProvider<HaConnections> connections;

	private final Deque<Entry> entries = new ArrayDeque<>();

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Creates the log.
	 * @param connections the table of HA connections, where the kind of a connection and
	 * its recovery bean are found; a provider, since the table is made with its listeners
	 */
	RecoveryLog(ObjectProvider<HaConnections> connections) {
		this.connections = connections;
	}

	@Override
	public void onEvent(HaEvent event) {
		ConnectionInfo info = this.connections.getObject().find(event.connection()).orElse(null);
		String detail = detail(event, info);
		if (detail == null) {
			return;
		}
		String line = event.connection() + ((info != null) ? " (" + info.kind() + ")" : "") + ": " + detail;
		if (!LOGGED_BY_THE_ENGINE.contains(event.kind())) {
			logger.info(line);
		}
		this.lock.lock();
		try {
			this.entries.addFirst(new Entry(event.time().toString(), event.connection(), event.kind().name(), detail));
			if (this.entries.size() > KEPT) {
				this.entries.removeLast();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the last {@value #KEPT} events, newest first.
	 * @return the events
	 */
	List<Entry> entries() {
		this.lock.lock();
		try {
			return List.copyOf(this.entries);
		}
		finally {
			this.lock.unlock();
		}
	}

	private static String detail(HaEvent event, ConnectionInfo info) {
		return switch (event.kind()) {
			case RECOVERY_STARTED -> "connection lost (" + describe(event) + "), recovering";
			case RECOVERED ->
				"recovered in %d ms after %s%s".formatted(event.duration().toMillis(), attempts(event), byBean(info));
			case GAVE_UP -> "gave up after %s in %d ms (%s)".formatted(attempts(event), event.duration().toMillis(),
					describe(event));
			case INTERRUPTED -> "recovery interrupted after %d ms".formatted(event.duration().toMillis());
			case ATTACHED -> "attached";
			case DETACHED -> "detached";
			case REPLACED -> "recovery replaced" + byBean(info);
			case SUSPENDED -> "recovery suspended";
			case ENABLED -> "recovery enabled";
			case CLOSED -> "closed";
			case REPLAYED -> "transaction replayed on the recovered connection";
			case REPLAY_ROLLED_BACK -> "transaction rolled back, not replayed (" + describe(event) + ")";
			case FENCED -> "server refused (" + describe(event) + ")";
			case ATTEMPT_FAILED, RETRANSMITTED -> null;
		};
	}

	private static String byBean(ConnectionInfo info) {
		return (info != null) ? " by '" + info.recovery() + "'" : "";
	}

	/**
	 * Returns the error of an event as one line for the log: its simple class name and
	 * the first line of its message, credentials masked ({@link HaEvent#maskedCause()}).
	 */
	private static String describe(HaEvent event) {
		String text = event.maskedCause().lines().findFirst().orElse("");
		int colon = text.indexOf(": ");
		String type = (colon >= 0) ? text.substring(0, colon) : text;
		return type.substring(type.lastIndexOf('.') + 1) + ((colon >= 0) ? text.substring(colon) : "");
	}

	private static String attempts(HaEvent event) {
		return event.attempt() + ((event.attempt() == 1) ? " attempt" : " attempts");
	}

	/**
	 * One event as {@code /api/demo} shows it.
	 *
	 * @param time when it happened, ISO-8601
	 * @param connection the connection's name
	 * @param kind what happened, for example {@code RECOVERED}
	 * @param detail a line that tells it
	 */
	record Entry(String time, String connection, String kind, String detail) {

	}

}
