package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * What the JDBC cover asks PostgreSQL about a transaction (J4, J5): who the server is
 * (its cluster's {@code system_identifier}, the postmaster's start time, the timeline and
 * the last reset of its statistics), a transaction's id, what became of it, and ending
 * the backend that still runs it. Every question has a timeout.
 * <p>
 * Why the statistics: PostgreSQL gives out again, after a crash recovery, the ids whose
 * transactions never reached the write-ahead log, and resets its statistics at every
 * crash recovery, also when it recovers in place after a backend was killed (the
 * postmaster keeps running, and its start time stays). A clean restart keeps them. So an
 * unchanged reset time proves that no crash recovery came between the transaction and the
 * question, however many clean restarts did, and that the id is still the transaction's
 * own. An administrator's reset of the statistics only makes the cover more careful.
 */
final class TransactionOracle {

	private static final int TIMEOUT_SECONDS = 10;

	private static final int TERMINATE_WAIT_MILLIS = TIMEOUT_SECONDS * 1000;

	private static final String IDENTITY = "(select system_identifier from pg_control_system())::text, "
			+ "pg_postmaster_start_time()::text, case when pg_is_in_recovery() then null "
			+ "else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end, "
			+ "(select stats_reset from pg_stat_bgwriter)::text";

	/**
	 * Where the write-ahead log ends: read before a commit, it lies before the commit's
	 * record.
	 */
	static final String LOG_POSITION = "pg_current_wal_insert_lsn()::text";

	/**
	 * Whether a commit waits for a synchronous standby to flush it: read with the id, as
	 * the transaction's own setting.
	 */
	static final String SYNCHRONOUS = "current_setting('synchronous_commit') in ('on', 'remote_apply') "
			+ "and current_setting('synchronous_standby_names') <> ''";

	private TransactionOracle() {
	}

	/**
	 * Describes the server a physical connection is on, and its backend, with the id of
	 * the transaction in progress and where the write-ahead log ends, in one round trip.
	 * @param physical the connection, inside the transaction
	 * @param functions the server's functions
	 * @return the server, the transaction's id ({@code null} when it has none) and where
	 * the log ends
	 * @throws SQLException what the query threw
	 */
	static Described describe(Connection physical, Functions functions) throws SQLException {
		try (Statement statement = physical.createStatement();
				ResultSet row = statement.executeQuery("select " + functions.currentId() + "::text, " + LOG_POSITION
						+ ", " + SYNCHRONOUS + ", pg_backend_pid(), " + IDENTITY)) {
			row.next();
			Incarnation incarnation = new Incarnation(row.getString(5), row.getString(6), row.getString(7),
					row.getString(8));
			return new Described(new Server(functions, row.getInt(4), incarnation), row.getString(1), row.getString(2),
					row.getBoolean(3));
		}
	}

	/**
	 * Asks the server about the transaction: {@code committed}, {@code aborted}, or why
	 * that cannot be said.
	 * @param asking a fresh connection to the server
	 * @param server the server the transaction ran on
	 * @param id the transaction's id
	 * @param logPosition where the write-ahead log ended before the commit was sent
	 * @param synchronous whether the commit waited for a synchronous standby
	 */
	static String ask(Connection asking, Server server, String id, String logPosition, boolean synchronous)
			throws SQLException {
		Incarnation then = server.incarnation();
		Incarnation now;
		// Asked first: on another incarnation the id may not even exist yet (J5).
		try (Statement statement = asking.createStatement()) {
			statement.setQueryTimeout(TIMEOUT_SECONDS);
			try (ResultSet row = statement.executeQuery("select " + IDENTITY)) {
				row.next();
				now = new Incarnation(row.getString(1), row.getString(2), row.getString(3), row.getString(4));
			}
		}
		boolean restarted = !now.equals(then);
		String unknown = "the server restarted or failed over since the transaction ran (" + then + ", now " + now
				+ "), so a transaction id may have been given out again (J5)";
		boolean failedOver = restarted && !now.sameHistory(then);
		if (failedOver) {
			String switchpoint = synchronous ? switchpoint(asking, then, now) : null;
			if (switchpoint == null) {
				return unknown;
			}
			if (before(asking, switchpoint, logPosition)) {
				// The new primary's history left the transaction's timeline before the
				// log reached the commit: the commit is not in it.
				return "aborted";
			}
		}
		if (restarted && neverDurable(asking, server, id)) {
			return "aborted";
		}
		for (int round = 0;; round++) {
			String status;
			try (PreparedStatement statement = asking
				.prepareStatement("select " + server.functions().status("?") + "::text")) {
				statement.setQueryTimeout(TIMEOUT_SECONDS);
				statement.setString(1, id);
				try (ResultSet row = statement.executeQuery()) {
					row.next();
					status = row.getString(1);
				}
			}
			if (status == null) {
				return "the server no longer knows transaction " + id;
			}
			if (status.equals("committed")) {
				// Committed by this transaction, unless a crash recovery gave the id out
				// again.
				if (!restarted || failedOver || now.noCrashRecoverySince(then)) {
					return status;
				}
				return commitNeverLogged(asking, logPosition) ? "aborted" : unknown;
			}
			if (!status.equals("in progress")) {
				// Not committed is the transaction's own answer even after a crash
				// recovery: had the id been given out again, the transaction never
				// reached the log, so it cannot have committed either.
				return status;
			}
			if (round > 0) {
				return "transaction " + id + " is still in progress after its backend was asked to end";
			}
			// The old backend still runs the commit: end it, if it still holds our id.
			try (PreparedStatement terminate = asking.prepareStatement("select " + server.functions().terminate("pid")
					+ " from pg_stat_activity where pid = ? and backend_xid::text = ?")) {
				terminate.setQueryTimeout(TIMEOUT_SECONDS + 1);
				terminate.setInt(1, server.pid());
				terminate.setString(2, Long.toString(Long.parseLong(id) & 0xFFFF_FFFFL));
				terminate.executeQuery().close();
			}
		}
	}

	/**
	 * Returns where the history of the server's timeline left the transaction's timeline
	 * (its timeline history file, readable by superusers and
	 * {@code pg_read_server_files}), or {@code null} when it is another cluster, not a
	 * descendant, or the file cannot be read.
	 * <p>
	 * Up to that point, the new timeline holds everything the old one logged: the
	 * transaction's first writes, logged before the position read with its id, were
	 * replayed when the point lies at or past that position, so the new primary knows the
	 * id, never gave it out again, and its status there is the transaction's own (J9).
	 */
	private static String switchpoint(Connection asking, Incarnation then, Incarnation now) throws SQLException {
		if (!Objects.equals(then.systemIdentifier(), now.systemIdentifier()) || then.timeline() == null
				|| now.timeline() == null) {
			return null;
		}
		long old = Long.parseLong(then.timeline(), 16);
		if (Long.parseLong(now.timeline(), 16) <= old) {
			return null;
		}
		String history;
		try (PreparedStatement statement = asking
			.prepareStatement("select pg_read_file('pg_wal/' || ? || '.history')")) {
			statement.setQueryTimeout(TIMEOUT_SECONDS);
			statement.setString(1, now.timeline());
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				history = row.getString(1);
			}
		}
		catch (SQLException ex) {
			return null;
		}
		// Lines of "parent timeline, switchpoint, reason", tab-separated.
		for (String line : history.split("\n")) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length >= 2 && fields[0].matches("\\d+") && Long.parseLong(fields[0]) == old) {
				return fields[1];
			}
		}
		return null;
	}

	private static boolean before(Connection asking, String lsn, String other) throws SQLException {
		try (PreparedStatement statement = asking.prepareStatement("select ?::pg_lsn < ?::pg_lsn")) {
			statement.setQueryTimeout(TIMEOUT_SECONDS);
			statement.setString(1, lsn);
			statement.setString(2, other);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				return row.getBoolean(1);
			}
		}
	}

	/**
	 * Returns whether the transaction id lies beyond every id the restarted server knows
	 * (PostgreSQL: "transaction ID is in the future", SQLState {@code 22023}): its
	 * assignment never reached the write-ahead log before the restart, so the transaction
	 * cannot have been committed, and no other transaction has taken its id yet (J5).
	 */
	private static boolean neverDurable(Connection asking, Server server, String id) throws SQLException {
		try (PreparedStatement statement = asking.prepareStatement("select " + server.functions().status("?"))) {
			statement.setQueryTimeout(TIMEOUT_SECONDS);
			statement.setString(1, id);
			statement.executeQuery().close();
			return false;
		}
		catch (SQLException ex) {
			if ("22023".equals(ex.getSQLState())) {
				return true;
			}
			throw ex;
		}
	}

	/**
	 * Returns whether the server's last checkpoint was written after the transaction's
	 * incarnation ended (a shutdown or end-of-recovery checkpoint, which PostgreSQL
	 * writes at a clean stop and after every crash recovery), at a point of the log no
	 * later than where the log ended before the commit was sent. Everything written after
	 * a crash lies past everything that reached the log before it, so the commit's record
	 * never did: the transaction did not commit, and whoever committed its id took it
	 * again (J5). Online checkpoints cannot be told apart from these when the log is
	 * {@code minimal}, and prove nothing then.
	 */
	private static boolean commitNeverLogged(Connection asking, String logPosition) throws SQLException {
		try (PreparedStatement statement = asking.prepareStatement("select checkpoint_lsn <= ?::pg_lsn "
				+ "and oldest_active_xid = '0'::xid and current_setting('wal_level') <> 'minimal' "
				+ "from pg_control_checkpoint()")) {
			statement.setQueryTimeout(TIMEOUT_SECONDS);
			statement.setString(1, logPosition);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				return row.getBoolean(1);
			}
		}
	}

	/**
	 * Who the server is: the same answer from another incarnation or timeline is no proof
	 * (J5).
	 *
	 * @param systemIdentifier the cluster's {@code system_identifier}
	 * @param startedAt the postmaster's start time
	 * @param timeline the timeline, {@code null} on a standby
	 * @param statisticsReset the last reset of the statistics: at every crash recovery
	 */
	record Incarnation(String systemIdentifier, String startedAt, String timeline, String statisticsReset) {

		/**
		 * Returns whether the other is the same cluster on the same timeline, restarted
		 * or not.
		 */
		boolean sameHistory(Incarnation other) {
			return Objects.equals(this.systemIdentifier, other.systemIdentifier)
					&& Objects.equals(this.timeline, other.timeline);
		}

		/**
		 * Returns whether no crash recovery came between the other and this one: the same
		 * history, and the statistics not reset since.
		 */
		boolean noCrashRecoverySince(Incarnation other) {
			return sameHistory(other) && this.statisticsReset != null
					&& this.statisticsReset.equals(other.statisticsReset);
		}

		@Override
		public String toString() {
			return "system " + this.systemIdentifier + ", started " + this.startedAt + ", timeline "
					+ Objects.requireNonNullElse(this.timeline, "none: in recovery") + ", statistics reset "
					+ this.statisticsReset;
		}

	}

	/**
	 * The server this physical connection is on, and its backend.
	 */
	record Server(Functions functions, int pid, Incarnation incarnation) {

	}

	/**
	 * The functions of the server's version: {@code pg_current_xact_id_if_assigned()} and
	 * {@code pg_xact_status(xid8)} from PostgreSQL 13, their {@code txid_} forms before.
	 */
	record Functions(int major) {

		/**
		 * Returns the functions of the server, or {@code null} when it is not PostgreSQL
		 * 10 or later.
		 */
		static Functions of(Connection physical) throws SQLException {
			DatabaseMetaData server = physical.getMetaData();
			int major = server.getDatabaseMajorVersion();
			return ("PostgreSQL".equals(server.getDatabaseProductName()) && major >= 10) ? new Functions(major) : null;
		}

		String currentId() {
			return (this.major >= 13) ? "pg_current_xact_id_if_assigned()" : "txid_current_if_assigned()";
		}

		String status(String id) {
			return (this.major >= 13) ? "pg_xact_status(" + id + "::xid8)" : "txid_status(" + id + "::bigint)";
		}

		/**
		 * Ends a backend and waits for it to be gone, where the server can wait.
		 */
		String terminate(String pid) {
			return (this.major >= 14) ? "pg_terminate_backend(" + pid + ", " + TERMINATE_WAIT_MILLIS + ")"
					: "pg_terminate_backend(" + pid + ")";
		}

	}

	/**
	 * The server, and the id of the transaction in progress.
	 *
	 * @param server the server
	 * @param id the id, {@code null} when the transaction has none
	 * @param logPosition where the write-ahead log ended
	 * @param synchronous whether a commit waits for a synchronous standby
	 */
	record Described(Server server, String id, String logPosition, boolean synchronous) {

	}

}
