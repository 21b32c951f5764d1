package io.hacover.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.FileSystemUtils;

/**
 * Two real PostgreSQL servers (zonky's embedded PostgreSQL 14) on two fixed ports of
 * {@code localhost}, a primary and its streaming standby under synchronous replication,
 * that the demo fails over: the database behind the {@code ledger} connection, whose
 * multi-host URL ({@code targetServerType=primary}) names both ports. Database
 * {@code postgres}, user {@code postgres}, no password.
 * <p>
 * The standby is made from the embedded binaries alone, as the library's failover tests
 * make theirs (there is no {@code pg_basebackup}): the primary is stopped cleanly, its
 * data directory copied cold, the copy given {@code standby.signal}, a
 * {@code primary_conninfo} and a replication slot of the primary's, then both are
 * started. The primary names the standby in {@code synchronous_standby_names}, so a
 * commit is acknowledged only once the standby has it ({@code synchronous_commit} on).
 * <p>
 * {@link #kill()} is the failover: the primary crashes (SIGKILL of the postmaster and of
 * every process it started, as in a power cut) and the standby is promoted
 * ({@code pg_promote()}), on the next timeline. {@link #restart()} brings the crashed
 * node back as the standby of the new primary, so that the next failover can happen: the
 * new primary is stopped cleanly for a moment (an outage its clients ride through), its
 * data directory copied over the crashed node's, then the new primary and its new standby
 * are started, and it returns once the standby streams synchronously. The roles swap at
 * each failover; the timelines go 1, 2, 3... A crashed primary is never started again
 * with its old data.
 * <p>
 * The data live in a temporary directory that {@link #close()} deletes. A demo prop, not
 * a library: {@code fsync} is off, so the servers survive the crash of a process, not of
 * the machine.
 */
public final class EmbeddedDatabasePair implements EmbeddedServer {

	private static final Log logger = LogFactory.getLog(EmbeddedDatabasePair.class);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ReentrantLock lifecycle = new ReentrantLock();

	private final Path directory;

	private Node primary;

	private Node standby;

	/**
	 * Whether the standby is the crashed old primary, waiting for {@link #restart()} to
	 * be made a standby again.
	 */
	private boolean failedOver;

	private boolean closed;

	private EmbeddedDatabasePair(Path directory, int firstPort, int secondPort) {
		this.directory = directory;
		this.primary = new Node("node_a", firstPort, directory.resolve("a").resolve("data"));
		this.standby = new Node("node_b", secondPort, directory.resolve("b").resolve("data"));
	}

	/**
	 * Starts a primary with a fresh data directory on the first port, and its standby on
	 * the second, in a new temporary directory, and returns once the standby streams
	 * synchronously.
	 * @param firstPort the port of the first primary
	 * @param secondPort the port of the first standby
	 * @return the pair
	 * @throws IOException if a server cannot start
	 * @throws SQLException if the standby cannot be set up
	 */
	public static EmbeddedDatabasePair start(int firstPort, int secondPort) throws IOException, SQLException {
		if (firstPort <= 0 || secondPort <= 0 || firstPort == secondPort) {
			throw new IllegalArgumentException("the two servers of the failover pair need two fixed ports, not "
					+ firstPort + " and " + secondPort);
		}
		EmbeddedDatabasePair pair = new EmbeddedDatabasePair(Files.createTempDirectory("hacover-sample-failover-"),
				firstPort, secondPort);
		try {
			pair.primary.start();
			follow(pair.standby, pair.primary);
			return pair;
		}
		catch (IOException | SQLException | RuntimeException ex) {
			pair.close();
			throw ex;
		}
	}

	/**
	 * Returns the temporary directory that holds the data of both servers, deleted by
	 * {@link #close()}.
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	/**
	 * Returns the port of the primary, the server that takes writes now.
	 * @return the port
	 */
	public int primaryPort() {
		this.lifecycle.lock();
		try {
			return this.primary.port;
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Returns whether the pair can fail over: a standby runs and streams from the
	 * primary. {@code false} from {@link #kill()} until {@link #restart()} has made the
	 * crashed node a standby again.
	 * @return whether a standby is ready
	 */
	public boolean standbyReady() {
		this.lifecycle.lock();
		try {
			return !this.closed && !this.failedOver && this.standby.running();
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Fails over: crashes the primary (SIGKILL of all its processes) and promotes the
	 * standby, then returns once the standby takes writes, on the next timeline. Every
	 * connection to the old primary breaks; connections on the pair's multi-host URL find
	 * the new primary. Does nothing if there is no standby to promote (after a failover,
	 * until {@link #restart()}).
	 */
	@Override
	public void kill() {
		this.lifecycle.lock();
		try {
			if (this.closed || this.failedOver || !this.standby.running()) {
				logger.info("failover: no standby is ready to take over; nothing done");
				return;
			}
			Node crashed = this.primary;
			Node promoted = this.standby;
			long start = System.nanoTime();
			crashed.crash();
			this.primary = promoted;
			this.standby = crashed;
			this.failedOver = true;
			long crashedAt = System.nanoTime();
			promoted.promote();
			long promotedAt = System.nanoTime();
			logger.info("failover: %s on port %d crashed (%d ms), %s on port %d promoted (%d ms)".formatted(
					crashed.name, crashed.port, (crashedAt - start) / 1_000_000, promoted.name, promoted.port,
					(promotedAt - crashedAt) / 1_000_000));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("the standby on port " + this.primary.port + " cannot be promoted", ex);
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Makes the node that crashed in the last {@link #kill()} the standby of the new
	 * primary, and returns once it streams synchronously. The new primary is stopped
	 * cleanly while its data directory is copied, and started again.
	 * @throws IOException if a server cannot start or the copy fails
	 * @throws IllegalStateException if there was no failover since the last restart, or
	 * the pair is closed
	 */
	@Override
	public void restart() throws IOException {
		this.lifecycle.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException(
						"the failover pair on ports " + this.primary.port + " and " + this.standby.port + " is closed");
			}
			if (!this.failedOver) {
				throw new IllegalStateException("the failover pair has a primary on port " + this.primary.port
						+ " and a standby on port " + this.standby.port + "; fail it over (kill) first");
			}
			follow(this.standby, this.primary);
			this.failedOver = false;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(
					"the server on port " + this.standby.port + " cannot be made a standby again", ex);
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Stops both servers for good and deletes their data.
	 */
	@Override
	public void close() {
		this.lifecycle.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			try {
				this.standby.stop();
			}
			finally {
				try {
					this.primary.stop();
				}
				finally {
					EmbeddedDatabaseServer.deleteQuietly(this.directory);
				}
			}
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Makes a node the synchronous standby of a running primary: stops the primary
	 * cleanly, copies its data directory over the node's, starts the primary again with a
	 * replication slot for the node, starts the node, and waits until it streams
	 * synchronously.
	 */
	private static void follow(Node standby, Node primary) throws IOException, SQLException {
		standby.stop();
		primary.stop();
		try {
			copy(primary.data, standby.data);
			Files.createFile(standby.data.resolve("standby.signal"));
			// The copy of a promoted standby still names its old primary: name the new
			// one.
			// And a standby waits for no one once promoted, until it has a standby
			// itself.
			Path settings = standby.data.resolve("postgresql.auto.conf");
			List<String> lines = new ArrayList<>();
			for (String line : Files.readAllLines(settings, StandardCharsets.UTF_8)) {
				if (!line.startsWith("primary_conninfo") && !line.startsWith("primary_slot_name")
						&& !line.startsWith("synchronous_standby_names")) {
					lines.add(line);
				}
			}
			lines.add("primary_conninfo = 'host=localhost port=" + primary.port + " user=postgres application_name="
					+ standby.name + "'");
			lines.add("primary_slot_name = '" + standby.name + "'");
			Files.write(settings, lines, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
		}
		finally {
			primary.start();
		}
		primary.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
				+ standby.name + "'");
		primary.execute("select pg_create_physical_replication_slot('" + standby.name + "')");
		standby.start();
		primary.execute("alter system set synchronous_standby_names = '" + standby.name + "'");
		primary.execute("select pg_reload_conf()");
		awaitTrue("the standby on port " + standby.port + " streams synchronously from port " + primary.port,
				() -> primary.queryForInt("select count(*) from pg_stat_replication where application_name = '"
						+ standby.name + "' and state = 'streaming' and sync_state = 'sync'") == 1);
	}

	private static void copy(Path from, Path to) throws IOException {
		FileSystemUtils.deleteRecursively(to);
		try (Stream<Path> files = Files.walk(from)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				String relative = from.relativize(file).toString();
				if (relative.equals("postmaster.pid") || relative.equals("postmaster.opts")) {
					continue;
				}
				Path target = to.resolve(relative);
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
		// PostgreSQL starts only on a data directory that its owner alone may read.
		Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
	}

	private static void awaitTrue(String what, SqlCondition condition) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		SQLException last = null;
		while (System.nanoTime() < deadline) {
			try {
				if (condition.holds()) {
					return;
				}
			}
			catch (SQLException ex) {
				last = ex;
			}
			pause();
		}
		throw new IllegalStateException("waited " + WAIT.toSeconds() + " s in vain until " + what, last);
	}

	/**
	 * Waits until none of the processes runs, or, with {@code reaped}, until none is left
	 * at all.
	 */
	private static void awaitGone(List<ProcessHandle> processes, boolean reaped) {
		Predicate<ProcessHandle> left = reaped ? ProcessHandle::isAlive : EmbeddedDatabasePair::running;
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (processes.stream().anyMatch(left)) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("the processes of a crashed server live on: " + processes);
			}
			pause();
		}
	}

	/**
	 * Returns whether a process runs: a process killed but not yet reaped by its parent
	 * (a zombie, which the system's first process may take a second to reap) holds no
	 * socket, file or memory any more.
	 */
	private static boolean running(ProcessHandle process) {
		if (!process.isAlive()) {
			return false;
		}
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
			return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
		}
		catch (IOException | RuntimeException ex) {
			return process.isAlive();
		}
	}

	private static void pause() {
		try {
			Thread.sleep(20);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for a server", ex);
		}
	}

	/**
	 * Kills the postmaster of a pid file and every process it started with SIGKILL, and
	 * returns them once none runs.
	 */
	private static List<ProcessHandle> crash(Path pidFile) throws IOException {
		long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
		ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
		if (postmaster == null) {
			return List.of();
		}
		List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
		processes.add(0, postmaster);
		processes.forEach(ProcessHandle::destroyForcibly);
		awaitGone(processes, false);
		return processes;
	}

	/**
	 * A condition asked of a server.
	 */
	@FunctionalInterface
	private interface SqlCondition {

		boolean holds() throws SQLException;

	}

	/**
	 * One of the two servers: its name (of its replication slot, and its
	 * {@code application_name} as a standby), its port and its data directory, which
	 * outlive the server process.
	 */
	private static final class Node {

		private final String name;

		private final int port;

		private final Path data;

		private EmbeddedPostgres postgres;

		private List<ProcessHandle> crashed = List.of();

		Node(String name, int port, Path data) {
			this.name = name;
			this.port = port;
			this.data = data;
		}

		/**
		 * Returns whether the server runs: started, and neither stopped nor crashed.
		 */
		boolean running() {
			return this.postgres != null;
		}

		/**
		 * Starts the server on its data directory, once the processes of its last crash
		 * are gone; does nothing if it runs.
		 */
		void start() throws IOException {
			if (this.postgres == null) {
				// PostgreSQL refuses the port while the lock file of its socket names a
				// process that exists, be it a zombie.
				awaitGone(this.crashed, true);
				this.crashed = List.of();
				this.postgres = EmbeddedPostgres.builder()
					.setPort(this.port)
					.setDataDirectory(this.data)
					.setCleanDataDirectory(false)
					// The application stops the servers; zonky's own hooks would pile up.
					.setRegisterShutdownHook(false)
					.setServerConfig("fsync", "off")
					// Commits wait for the standby (synchronous_standby_names).
					.setServerConfig("synchronous_commit", "on")
					.start();
			}
		}

		/**
		 * Stops the server cleanly ({@code pg_ctl stop -m fast}); does nothing if it is
		 * down.
		 */
		void stop() {
			EmbeddedPostgres running = this.postgres;
			this.postgres = null;
			if (running != null) {
				try {
					running.close();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		}

		/**
		 * Crashes the server: SIGKILL of the postmaster (its pid is the first line of
		 * {@code postmaster.pid}) and of every process it started. Returns once they are
		 * gone, and the embedded server released.
		 */
		void crash() throws IOException {
			EmbeddedPostgres running = this.postgres;
			if (running == null) {
				return;
			}
			this.postgres = null;
			Path pidFile = this.data.resolve("postmaster.pid");
			this.crashed = EmbeddedDatabasePair.crash(pidFile);
			// Without its pid file, the embedded server's attempt to stop a server that
			// is gone fails at once (and is only logged) instead of waiting for it.
			Files.delete(pidFile);
			running.close();
		}

		/**
		 * Promotes this standby and returns once it takes writes.
		 */
		void promote() throws SQLException {
			execute("select pg_promote(true, 30)");
			awaitTrue("the promoted standby on port " + this.port + " takes writes",
					() -> queryForInt("select case when pg_is_in_recovery() then 0 else 1 end") == 1);
		}

		/**
		 * Runs a statement on a connection of its own.
		 */
		void execute(String sql) throws SQLException {
			try (Connection connection = connect(); Statement statement = connection.createStatement()) {
				statement.execute(sql);
			}
		}

		/**
		 * Runs a query that answers one integer on a connection of its own.
		 */
		int queryForInt(String sql) throws SQLException {
			try (Connection connection = connect();
					Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery(sql)) {
				if (!rows.next()) {
					throw new SQLException("no row: " + sql);
				}
				return rows.getInt(1);
			}
		}

		private Connection connect() throws SQLException {
			if (!running()) {
				throw new SQLException("the server on port " + this.port + " is down", "08001");
			}
			return this.postgres.getPostgresDatabase().getConnection();
		}

	}

}
