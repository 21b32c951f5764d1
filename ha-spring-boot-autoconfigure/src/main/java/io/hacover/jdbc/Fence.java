package io.hacover.jdbc;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import org.postgresql.core.BaseConnection;
import org.postgresql.hostchooser.GlobalHostStatusTracker;
import org.postgresql.hostchooser.HostStatus;
import org.postgresql.util.HostSpec;

import org.springframework.util.ClassUtils;

/**
 * What a data source lets its HA connections use after a failover (J9): the first
 * PostgreSQL cluster it saw ({@code system_identifier}), on the highest timeline it has
 * seen. A physical connection to another cluster, or to an older timeline (the old
 * primary started again with its old data: split brain), is refused before anything runs
 * on it: closed, its host marked unreachable in the driver's host status (so that a
 * multi-host URL tries the other hosts first), and a stale {@code 08004} thrown, so that
 * the connection is opened again elsewhere within its budget. Each driver connection is
 * checked once: a pool under the data source hands the same one out again.
 * <p>
 * The library fences its own clients only: the operator (or the cluster manager) must
 * still keep the old primary from taking writes from anyone else.
 */
final class Fence {

	private static final boolean PGJDBC = ClassUtils.isPresent("org.postgresql.core.BaseConnection",
			Fence.class.getClassLoader());

	private static final String WHO = "select (select system_identifier from pg_control_system())::text, "
			+ "case when pg_is_in_recovery() then (select timeline_id from pg_control_checkpoint()) "
			+ "else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end, "
			+ "pg_is_in_recovery()";

	private final AtomicReference<Seen> seen = new AtomicReference<>();

	/**
	 * The driver connections already checked, and their servers, forgotten once the
	 * driver drops them.
	 */
	private final Map<BaseConnection, Peer> checked = new WeakHashMap<>();

	private final ReentrantLock lock = new ReentrantLock();

	private volatile String lastRefusal;

	/**
	 * Checks a physical connection just opened, and refuses it if it is on another
	 * cluster or an older timeline.
	 * @param physical the physical connection
	 * @param dataSource the data source's name, for the message
	 * @return the server it is on ({@link Peer#UNKNOWN} for a driver other than pgjdbc or
	 * a server before PostgreSQL 10)
	 * @throws Refused when it must not be used; its host is marked unreachable
	 * @throws SQLException what the question threw
	 */
	Peer check(Connection physical, String dataSource) throws SQLException {
		if (!PGJDBC || !physical.isWrapperFor(BaseConnection.class)
				|| physical.getMetaData().getDatabaseMajorVersion() < 10) {
			return Peer.UNKNOWN;
		}
		BaseConnection driver = physical.unwrap(BaseConnection.class);
		this.lock.lock();
		try {
			// A pool hands out the same driver connection again: its server cannot
			// change.
			Peer known = this.checked.get(driver);
			if (known != null) {
				return known;
			}
		}
		finally {
			this.lock.unlock();
		}
		HostSpec host = driver.getQueryExecutor().getHostSpec();
		String cluster;
		int timeline;
		boolean standby;
		try (Statement statement = physical.createStatement(); ResultSet row = statement.executeQuery(WHO)) {
			row.next();
			cluster = row.getString(1);
			timeline = row.getInt(2);
			standby = row.getBoolean(3);
		}
		String refusal = admit(cluster, timeline, dataSource);
		if (refusal != null) {
			GlobalHostStatusTracker.reportHostStatus(host, HostStatus.ConnectFail);
			this.lastRefusal = Instant.now() + " " + host.getHost() + ":" + host.getPort() + ": " + refusal;
			throw new Refused("data source '" + dataSource + "' refused a connection to " + host.getHost() + ":"
					+ host.getPort() + ": " + refusal + "; it is never used, and the connection is opened again on "
					+ "another host");
		}
		Map<String, Object> shown = new LinkedHashMap<>();
		shown.put("host", host.getHost());
		shown.put("port", host.getPort());
		shown.put("role", standby ? "standby" : "primary");
		shown.put("timeline", timeline);
		Peer peer = new Peer(host, Collections.unmodifiableMap(shown));
		this.lock.lock();
		try {
			this.checked.put(driver, peer);
		}
		finally {
			this.lock.unlock();
		}
		return peer;
	}

	/**
	 * Returns what the endpoint shows of a connection's server: its host, port, role and
	 * timeline, and the last server this data source refused, with when and why.
	 * @param peer the server of the connection
	 * @return what to show, in order
	 */
	Map<String, Object> shown(Peer peer) {
		String refusal = this.lastRefusal;
		if (refusal == null) {
			return peer.shown();
		}
		Map<String, Object> shown = new LinkedHashMap<>(peer.shown());
		shown.put("lastRefused", refusal);
		return shown;
	}

	/**
	 * Marks the host of a physical connection that died of silence unreachable in the
	 * driver's host status, so that a multi-host URL tries its other hosts first instead
	 * of waiting out a connect timeout on a black-holed one (H35, J9): the connection was
	 * found dead by TCP keepalive or a socket timeout. The driver tries that host again
	 * after {@code hostRecheckSeconds}, or at once when no other host suits.
	 * @param peer the server of the connection that failed, or {@code null}
	 * @param cause why it failed
	 */
	static void diedOfSilence(Peer peer, Throwable cause) {
		if (peer != null && peer.host() != null && silence(cause)) {
			GlobalHostStatusTracker.reportHostStatus((HostSpec) peer.host(), HostStatus.ConnectFail);
		}
	}

	private static boolean silence(Throwable cause) {
		for (Throwable current = cause; current != null; current = current.getCause()) {
			if (current instanceof SocketTimeoutException || (current instanceof SocketException
					&& current.getMessage() != null && current.getMessage().contains("timed out"))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Notes the cluster and timeline of a connection, and returns why it is refused, or
	 * {@code null}.
	 */
	private String admit(String cluster, int timeline, String dataSource) {
		for (;;) {
			Seen before = this.seen.get();
			if (before != null && !before.cluster().equals(cluster)) {
				return "it belongs to another cluster (system_identifier " + cluster + ", not " + before.cluster()
						+ ")";
			}
			if (before != null && timeline < before.timeline()) {
				return "it is on timeline " + timeline + ", behind timeline " + before.timeline()
						+ " that data source '" + dataSource
						+ "' has already seen: an old primary started again after a failover (split brain)";
			}
			if (before != null && timeline == before.timeline()) {
				return null;
			}
			if (this.seen.compareAndSet(before, new Seen(cluster, timeline))) {
				return null;
			}
		}
	}

	/**
	 * The server a physical connection is on.
	 *
	 * @param host the driver's host ({@code HostSpec}), for its host status, or
	 * {@code null}
	 * @param shown what the endpoint shows: host, port, role ({@code primary} or
	 * {@code standby}) and timeline, as when the connection was opened
	 */
	record Peer(Object host, Map<String, Object> shown) {

		static final Peer UNKNOWN = new Peer(null, Map.of());

	}

	/**
	 * A physical connection refused (J9): stale, so that it is opened again elsewhere.
	 */
	static final class Refused extends SQLNonTransientConnectionException {

		Refused(String message) {
			super(message, "08004");
		}

	}

	/**
	 * The cluster and the highest timeline seen.
	 */
	private record Seen(String cluster, int timeline) {

	}

}
