package io.hacover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.awaitility.core.ConditionTimeoutException;
import org.postgresql.ds.PGSimpleDataSource;

import static org.awaitility.Awaitility.await;

/**
 * A real PostgreSQL 14 server (zonky's embedded PostgreSQL) on an ephemeral port of
 * {@code localhost} that tests can stop and restart on the same port, keeping its data.
 * <p>
 * The data directory lives in a temporary directory of its own that is kept across
 * {@link #stop()} and {@link #restart()} and deleted by {@link #close()}. The server runs
 * with {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} off: fast,
 * and still durable across {@link #stop()} (a clean shutdown writes everything), but not
 * across a crash of the machine. {@link #startWithSynchronousCommit()} starts one with
 * {@code synchronous_commit} on, as tests that crash the server or decide in-doubt
 * commits need (J10). Database {@code postgres}, user {@code postgres}, no password.
 * <p>
 * Timings measured on the development container (PostgreSQL 14.22): {@link #start()}
 * takes 1.5 to 3 s (about 1.4 s of it initdb, 0.5 s locating the binaries, which zonky
 * unpacks to {@code /tmp/embedded-pg} once per machine), {@link #stop()} about 0.11 s,
 * {@link #restart()} about 0.13 s, {@link #terminate(int)} a few tens of milliseconds.
 * After {@link #stop()} an open connection's next statement fails with {@code 57P01} (the
 * fast shutdown terminates its backend), a new connection with {@code 08001} caused by a
 * {@link java.net.ConnectException}.
 */
public final class PostgresServer implements AutoCloseable {

	private static final String HOST = "localhost";

	private static final String DATABASE = "postgres";

	private static final String USER = "postgres";

	private static final Duration TERMINATE_WAIT = Duration.ofSeconds(10);

	private static final Duration POLL_INTERVAL = Duration.ofMillis(10);

	/**
	 * How long a restart waits for the processes a crash ended to be reaped: the system's
	 * first process, their parent once the postmaster is gone, may take seconds.
	 */
	private static final Duration REAP_WAIT = Duration.ofSeconds(60);

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final Path directory;

	private final Path dataDirectory;

	private final int port;

	private final Durability durability;

	private volatile EmbeddedPostgres postgres;

	private volatile boolean closed;

	private volatile List<ProcessHandle> ended = List.of();

	private PostgresServer(Path directory, Durability durability) throws IOException {
		this.directory = directory;
		this.dataDirectory = directory.resolve("data");
		this.durability = durability;
		this.postgres = launch(this.dataDirectory, 0, durability);
		this.port = this.postgres.getPort();
	}

	/**
	 * Starts a server on an ephemeral free port, with a fresh data directory in a
	 * temporary directory.
	 * <p>
	 * The server accepts connections when this method returns.
	 * @return the running server
	 * @throws IOException if the server cannot be started
	 */
	public static PostgresServer start() throws IOException {
		return start(Durability.FAST);
	}

	/**
	 * Starts a server as {@link #start()} does, but with {@code synchronous_commit} on: a
	 * commit is acknowledged only once its WAL record is written and flushed (to the
	 * operating system, {@code fsync} stays off), so an acknowledged commit survives a
	 * crash of the server (J10). The setting holds across {@link #restart()}.
	 * @return the running server
	 * @throws IOException if the server cannot be started
	 */
	public static PostgresServer startWithSynchronousCommit() throws IOException {
		return start(Durability.SYNCHRONOUS_COMMIT);
	}

	/**
	 * Starts a server with PostgreSQL's own defaults for durability: {@code fsync},
	 * {@code synchronous_commit} and {@code full_page_writes} on, so that a commit waits
	 * for its WAL record to reach the disk, as in production. For benchmarks of commits.
	 * @return the running server
	 * @throws IOException if the server cannot be started
	 */
	public static PostgresServer startDurable() throws IOException {
		return start(Durability.DURABLE);
	}

	private static PostgresServer start(Durability durability) throws IOException {
		Path directory = Files.createTempDirectory("hacover-postgres-");
		try {
			return new PostgresServer(directory, durability);
		}
		catch (IOException | RuntimeException ex) {
			deleteRecursively(directory);
			throw ex;
		}
	}

	/**
	 * Starts a streaming standby of a primary, from the embedded binaries alone (J9): the
	 * primary is stopped cleanly, its data directory copied, the copy given
	 * {@code standby.signal}, a {@code primary_conninfo} to {@code primaryPort} (the
	 * primary's, or a proxy's in front of it) and a replication slot of the primary's,
	 * then the primary is started again and the standby started on a port of its own.
	 * Returns once the standby accepts (read-only) connections; it streams once it has
	 * connected to the primary.
	 * @param primary the primary, running
	 * @param primaryPort the port the standby reaches the primary on
	 * @param name the standby's name: its replication slot and {@code application_name}
	 * @return the standby
	 * @throws IOException if a server cannot be started or the copy fails
	 * @throws SQLException if the slot cannot be made
	 */
	public static PostgresServer standbyOf(PostgresServer primary, int primaryPort, String name)
			throws IOException, SQLException {
		Path directory = Files.createTempDirectory("hacover-postgres-standby-");
		try {
			primary.stop();
			Path data = directory.resolve("data");
			try (Stream<Path> files = Files.walk(primary.dataDirectory)) {
				for (Path file : (Iterable<Path>) files::iterator) {
					String relative = primary.dataDirectory.relativize(file).toString();
					if (relative.equals("postmaster.pid") || relative.equals("postmaster.opts")) {
						continue;
					}
					Path target = data.resolve(relative);
					if (Files.isDirectory(file)) {
						Files.createDirectories(target);
					}
					else {
						Files.copy(file, target);
					}
				}
			}
			// PostgreSQL starts only on a data directory that its owner alone may read.
			Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
			Files.createFile(data.resolve("standby.signal"));
			Files.writeString(
					data.resolve("postgresql.auto.conf"), "primary_conninfo = 'host=" + HOST + " port=" + primaryPort
							+ " user=" + USER + " application_name=" + name + "'\nprimary_slot_name = '" + name + "'\n",
					StandardOpenOption.APPEND);
			primary.restart();
			primary.execute("select pg_create_physical_replication_slot('" + name + "')");
			return new PostgresServer(directory, primary.durability);
		}
		catch (IOException | SQLException | RuntimeException ex) {
			deleteRecursively(directory);
			throw ex;
		}
	}

	/**
	 * Promotes this standby to a primary ({@code pg_promote()}), on a new timeline, and
	 * returns once it accepts writes.
	 * @throws SQLException if it cannot be promoted
	 */
	public void promote() throws SQLException {
		execute("select pg_promote(true, 30)");
		await().atMost(TERMINATE_WAIT)
			.pollInterval(POLL_INTERVAL)
			.until(() -> queryForInt("select case when pg_is_in_recovery() then 0 else 1 end") == 1);
	}

	/**
	 * Returns the port this server listens on, fixed for the lifetime of this object
	 * (including across {@link #stop()} and {@link #restart()}).
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Returns the JDBC URL of database {@code postgres} as user {@code postgres}.
	 * @return the URL, for example
	 * {@code jdbc:postgresql://localhost:5432/postgres?user=postgres}
	 */
	public String jdbcUrl() {
		return jdbcUrl(this.port);
	}

	/**
	 * Returns the JDBC URL of database {@code postgres} as user {@code postgres} on
	 * another port of {@code localhost}, such as that of a relay in front of this server.
	 * @param port the port
	 * @return the URL
	 */
	public String jdbcUrl(int port) {
		return "jdbc:postgresql://" + HOST + ":" + port + "/" + DATABASE + "?user=" + USER;
	}

	/**
	 * Runs a statement on a direct connection of its own.
	 * @param sql the statement
	 * @throws SQLException what it threw
	 */
	public void execute(String sql) throws SQLException {
		try (Connection direct = dataSource().getConnection(); Statement statement = direct.createStatement()) {
			statement.execute(sql);
		}
	}

	/**
	 * Runs a query that answers one integer on a direct connection of its own, such as a
	 * count of rows that tests read back.
	 * @param sql the query
	 * @return the integer in its first column of its first row
	 * @throws SQLException what it threw, or when it answered no row
	 */
	public int queryForInt(String sql) throws SQLException {
		try (Connection direct = dataSource().getConnection();
				Statement statement = direct.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			if (!rows.next()) {
				throw new SQLException("no row: " + sql);
			}
			return rows.getInt(1);
		}
	}

	/**
	 * Returns a new, unpooled data source of database {@code postgres} as user
	 * {@code postgres}: every {@link DataSource#getConnection()} opens a physical
	 * connection. The data source stays valid across {@link #stop()} and
	 * {@link #restart()}; its connect timeout is 5 seconds.
	 * @return the data source
	 */
	public DataSource dataSource() {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setServerNames(new String[] { HOST });
		dataSource.setPortNumbers(new int[] { this.port });
		dataSource.setDatabaseName(DATABASE);
		dataSource.setUser(USER);
		dataSource.setConnectTimeout(5);
		return dataSource;
	}

	/**
	 * Stops the server as fast as a clean shutdown goes ({@code pg_ctl stop -m fast}):
	 * the backends of all client connections are terminated (their next operation fails)
	 * and the port is closed, so new connections are refused. Returns once the server has
	 * stopped. Idempotent; the data directory is kept for {@link #restart()}.
	 */
	public void stop() {
		this.lifecycleLock.lock();
		try {
			EmbeddedPostgres running = this.postgres;
			this.postgres = null;
			if (running != null) {
				running.close();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Crashes the server (J10): SIGKILL of the postmaster and of every process it
	 * started, as a power cut ends them, with no shutdown checkpoint and no goodbye to
	 * the clients, whose connections break. The next {@link #restart()} runs crash
	 * recovery from the write-ahead log: with {@code synchronous_commit} on, every commit
	 * that was acknowledged is there. Returns once every process is gone.
	 */
	public void crash() {
		end((postmaster) -> {
			List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
			processes.add(0, postmaster);
			processes.forEach(ProcessHandle::destroyForcibly);
			return processes;
		});
	}

	/**
	 * Stops the server as {@code pg_ctl stop -m immediate} does (J10): SIGQUIT to the
	 * postmaster, which makes every process exit at once, without a shutdown checkpoint,
	 * so the next {@link #restart()} runs crash recovery. Returns once every process is
	 * gone.
	 */
	public void stopImmediately() {
		end((postmaster) -> {
			List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
			processes.add(0, postmaster);
			signal("QUIT", postmaster.pid());
			return processes;
		});
	}

	/**
	 * Kills one backend with SIGKILL (J10). PostgreSQL cannot know what the backend left
	 * half done in shared memory, so the postmaster ends every other backend and runs
	 * crash recovery in place, without restarting itself: its start time stays, and
	 * transaction ids given out but never written to the write-ahead log are given out
	 * again. Returns once the server accepts connections again.
	 * @param pid the backend pid, see {@link #backendPid(Connection)}
	 * @throws SQLException if no connection to watch the restart can be opened
	 */
	public void killBackend(int pid) throws SQLException {
		try (Connection witness = dataSource().getConnection()) {
			ProcessHandle.of(pid).orElseThrow().destroyForcibly();
			// The restart in place ends every backend, the witness's too.
			await().atMost(TERMINATE_WAIT).pollInterval(POLL_INTERVAL).until(() -> !witness.isValid(1));
		}
		await().atMost(TERMINATE_WAIT).pollInterval(POLL_INTERVAL).ignoreExceptions().until(() -> {
			try (Connection connection = dataSource().getConnection()) {
				return connection.isValid(1);
			}
		});
	}

	private void end(Function<ProcessHandle, List<ProcessHandle>> ending) {
		this.lifecycleLock.lock();
		try {
			EmbeddedPostgres running = this.postgres;
			if (running == null) {
				return;
			}
			long pid = Long.parseLong(Files.readAllLines(this.dataDirectory.resolve("postmaster.pid")).get(0).trim());
			List<ProcessHandle> processes = ending.apply(ProcessHandle.of(pid).orElseThrow());
			try {
				await().atMost(TERMINATE_WAIT)
					.pollInterval(POLL_INTERVAL)
					.until(() -> processes.stream().noneMatch(PostgresServer::running));
			}
			catch (ConditionTimeoutException ex) {
				throw new IllegalStateException("processes of the server on port " + this.port + " still run "
						+ TERMINATE_WAIT.toSeconds() + " s after the signal: " + describe(processes), ex);
			}
			this.ended = processes;
			this.postgres = null;
			// Releases the embedded server's lock on the data directory; its attempt to
			// stop a server that is gone fails and is only logged.
			running.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Returns whether a process runs. A process that exited but was not reaped yet (a
	 * zombie) holds no socket, file or memory any more, yet
	 * {@link ProcessHandle#isAlive()} says it is alive; the postmaster's parent is the
	 * system's first process, which here reaps orphans about every 1.5 s, and later under
	 * load.
	 */
	private static boolean running(ProcessHandle process) {
		if (!process.isAlive()) {
			return false;
		}
		return stat(process).map((stat) -> stat.charAt(stat.lastIndexOf(')') + 2) != 'Z').orElse(false);
	}

	private static String describe(List<ProcessHandle> processes) {
		return processes.stream()
			.filter(PostgresServer::running)
			.map((process) -> process.pid() + " " + process.info().commandLine().orElse("?") + " ("
					+ stat(process).orElse("gone") + ")")
			.toList()
			.toString();
	}

	private static Optional<String> stat(ProcessHandle process) {
		try {
			return Optional.of(Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat")).trim());
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	private static void signal(String signal, long pid) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Starts the server again after {@link #stop()}, on the same port and with the same
	 * data directory, so everything committed before the stop is still there.
	 * <p>
	 * The server accepts connections when this method returns.
	 * @throws IllegalStateException if the server is running or has been closed
	 * @throws IOException if the server cannot be started (for example, because another
	 * socket took the port in the meantime)
	 */
	public void restart() throws IOException {
		this.lifecycleLock.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException("PostgresServer on port " + this.port + " is closed");
			}
			if (running()) {
				throw new IllegalStateException("PostgresServer on port " + this.port + " is running");
			}
			// PostgreSQL refuses the port while the lock file of its socket, which a
			// crash leaves, names a process that exists, be it a zombie.
			await().atMost(REAP_WAIT)
				.pollInterval(POLL_INTERVAL)
				.alias("the ended processes of the server on port " + this.port + " are reaped")
				.until(() -> this.ended.stream().noneMatch(ProcessHandle::isAlive));
			this.postgres = launch(this.dataDirectory, this.port, this.durability);
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Returns whether the server runs: {@code true} from start or {@link #restart()}
	 * until {@link #stop()} or {@link #close()}.
	 * @return whether the server runs
	 */
	public boolean running() {
		return this.postgres != null;
	}

	/**
	 * Returns the process id of the server backend that serves the connection, by running
	 * {@code select pg_backend_pid()} on it.
	 * <p>
	 * The connection must be usable: not closed, not busy in another thread and not in a
	 * failed transaction. Learn the pid beforehand if the connection is going to be in
	 * such a state when it is to be terminated.
	 * @param connection a connection to this server
	 * @return the backend pid
	 * @throws SQLException if the query fails
	 */
	public int backendPid(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select pg_backend_pid()")) {
			result.next();
			return result.getInt(1);
		}
	}

	/**
	 * Returns the local port of the client socket of the connection, as the server sees
	 * it, by running {@code select inet_client_port()} on it: with {@link #port()}, it
	 * finds the socket in the kernel's tables ({@link KernelTcpSockets}).
	 * <p>
	 * The connection must be usable, as for {@link #backendPid(Connection)}.
	 * @param connection a connection to this server
	 * @return the client's port
	 * @throws SQLException if the query fails
	 */
	public int clientPort(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("select inet_client_port()")) {
			result.next();
			return result.getInt(1);
		}
	}

	/**
	 * Terminates the server backend with the given process id, as an administrator does,
	 * with {@code select pg_terminate_backend(pid)} on a separate connection; the client
	 * of that backend sees {@code 57P01} (admin shutdown) or a broken connection on its
	 * next operation.
	 * <p>
	 * Returns once {@code pg_stat_activity} no longer lists the pid (at most 10 seconds).
	 * @param pid the backend pid, see {@link #backendPid(Connection)}
	 * @throws SQLException if the admin connection or its queries fail
	 * @throws IllegalStateException if no backend with that pid exists
	 */
	public void terminate(int pid) throws SQLException {
		try (Connection admin = dataSource().getConnection()) {
			try (PreparedStatement statement = admin.prepareStatement("select pg_terminate_backend(?)")) {
				statement.setInt(1, pid);
				try (ResultSet result = statement.executeQuery()) {
					result.next();
					if (!result.getBoolean(1)) {
						throw new IllegalStateException("No backend with pid " + pid);
					}
				}
			}
			await().atMost(TERMINATE_WAIT)
				.pollDelay(Duration.ZERO)
				.pollInterval(POLL_INTERVAL)
				.until(() -> !listed(admin, pid));
		}
	}

	/**
	 * Terminates the server backend of the connection: {@link #backendPid(Connection)},
	 * then {@link #terminate(int)}.
	 * @param connection a usable connection to this server
	 * @throws SQLException if the connection or the admin connection fails
	 */
	public void terminateBackend(Connection connection) throws SQLException {
		terminate(backendPid(connection));
	}

	/**
	 * Stops the server for good and deletes its temporary directory. Idempotent;
	 * {@link #restart()} is not possible afterwards.
	 */
	@Override
	public void close() {
		this.lifecycleLock.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			stop();
			deleteRecursively(this.directory);
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Returns a description naming the port and whether the server runs.
	 * @return the description
	 */
	@Override
	public String toString() {
		return "PostgresServer[" + HOST + ":" + this.port + (running() ? ", running]" : ", stopped]");
	}

	private static EmbeddedPostgres launch(Path dataDirectory, int port, Durability durability) throws IOException {
		return EmbeddedPostgres.builder()
			.setPort(port)
			.setDataDirectory(dataDirectory)
			.setCleanDataDirectory(false)
			.setServerConfig("fsync", onOff(durability == Durability.DURABLE))
			.setServerConfig("synchronous_commit", onOff(durability != Durability.FAST))
			.setServerConfig("full_page_writes", onOff(durability == Durability.DURABLE))
			.start();
	}

	private static String onOff(boolean on) {
		return on ? "on" : "off";
	}

	/**
	 * How durable the server's commits are.
	 */
	private enum Durability {

		/** Nothing waits for the disk. */
		FAST,

		/** A commit waits for its WAL record to be written, not for the disk. */
		SYNCHRONOUS_COMMIT,

		/** PostgreSQL's defaults: a commit waits for the disk. */
		DURABLE

	}

	private static boolean listed(Connection admin, int pid) throws SQLException {
		try (PreparedStatement statement = admin
			.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
			statement.setInt(1, pid);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getInt(1) > 0;
			}
		}
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// best effort: a temporary directory left behind does no harm
		}
	}

}
