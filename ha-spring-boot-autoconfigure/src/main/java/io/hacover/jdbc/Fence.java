package io.hacover.jdbc;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Set;
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
			+ "else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end";

	private final AtomicReference<Seen> seen = new AtomicReference<>();

	/**
	 * The driver connections already checked, forgotten once the driver drops them.
	 */
	private final Set<BaseConnection> checked = Collections.newSetFromMap(new WeakHashMap<>());

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Checks a physical connection just opened, and refuses it.
	 * @param physical the physical connection
	 * @param dataSource the data source's name, for the message
	 * @return {@code null} when the connection may be used, else why not
	 * @throws SQLException what the question threw
	 */
	String check(Connection physical, String dataSource) throws SQLException {
		if (!PGJDBC || !physical.isWrapperFor(BaseConnection.class)
				|| physical.getMetaData().getDatabaseMajorVersion() < 10) {
			return null;
		}
		BaseConnection driver = physical.unwrap(BaseConnection.class);
		this.lock.lock();
		try {
			// A pool hands out the same driver connection again: its server cannot
			// change.
			if (!this.checked.add(driver)) {
				return null;
			}
		}
		finally {
			this.lock.unlock();
		}
		String cluster;
		int timeline;
		try (Statement statement = physical.createStatement(); ResultSet row = statement.executeQuery(WHO)) {
			row.next();
			cluster = row.getString(1);
			timeline = row.getInt(2);
		}
		String refusal = admit(cluster, timeline, dataSource);
		if (refusal != null) {
			GlobalHostStatusTracker.reportHostStatus(driver.getQueryExecutor().getHostSpec(), HostStatus.ConnectFail);
		}
		return refusal;
	}

	/**
	 * Returns the host a physical connection is on, as the driver's host status knows it,
	 * for {@link #diedOfSilence(Object, Throwable)}: asked while the connection is open.
	 * @param physical a physical connection just opened
	 * @return the host, or {@code null} for a driver other than pgjdbc
	 * @throws SQLException what the driver threw
	 */
	static Object hostOf(Connection physical) throws SQLException {
		return (PGJDBC && physical.isWrapperFor(BaseConnection.class))
				? physical.unwrap(BaseConnection.class).getQueryExecutor().getHostSpec() : null;
	}

	/**
	 * Marks the host of a physical connection that died of silence unreachable in the
	 * driver's host status, so that a multi-host URL tries its other hosts first instead
	 * of waiting out a connect timeout on a black-holed one (H35, J9): the connection was
	 * found dead by TCP keepalive or a socket timeout. The driver tries that host again
	 * after {@code hostRecheckSeconds}, or at once when no other host suits.
	 * @param host the host of the connection that failed, from {@link #hostOf}, or
	 * {@code null}
	 * @param cause why it failed
	 */
	static void diedOfSilence(Object host, Throwable cause) {
		if (host != null && silence(cause)) {
			GlobalHostStatusTracker.reportHostStatus((HostSpec) host, HostStatus.ConnectFail);
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
	 * The cluster and the highest timeline seen.
	 */
	private record Seen(String cluster, int timeline) {

	}

}
