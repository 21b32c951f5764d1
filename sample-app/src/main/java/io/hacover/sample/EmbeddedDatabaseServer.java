package io.hacover.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL server (zonky's embedded PostgreSQL 14) on a port of
 * {@code localhost} that the demo kills and restarts: the database behind the
 * {@code orders} connection. Database {@code postgres}, user {@code postgres}, no
 * password.
 * <p>
 * {@link #kill()} shuts the server down fast ({@code pg_ctl stop -m fast}): the backend
 * of every client connection is ended, so that its next statement fails, and new
 * connections are refused. {@link #restart()} starts it again on the same port with the
 * same data. The data live in a temporary directory that {@link #close()} deletes.
 * <p>
 * A demo prop, not a library: {@code fsync} is off, which is fast and survives
 * {@link #kill()} (a fast shutdown writes everything), but not a crash of the machine.
 */
public final class EmbeddedDatabaseServer implements EmbeddedServer {

	private final ReentrantLock lifecycle = new ReentrantLock();

	private final Path directory;

	private final int port;

	private EmbeddedPostgres postgres;

	private boolean closed;

	private EmbeddedDatabaseServer(Path directory, int port) throws IOException {
		this.directory = directory;
		this.postgres = launch(directory.resolve("data"), port);
		this.port = this.postgres.getPort();
	}

	/**
	 * Starts a server with a fresh data directory in a new temporary directory. The first
	 * start on a machine also unpacks the PostgreSQL binaries (to
	 * {@code <tmp>/embedded-pg}, kept for the next starts).
	 * @param port the port, 0 for a free one
	 * @return the server, accepting connections
	 * @throws IOException if it cannot start
	 */
	public static EmbeddedDatabaseServer start(int port) throws IOException {
		Path directory = Files.createTempDirectory("hacover-sample-postgres-");
		try {
			return new EmbeddedDatabaseServer(directory, port);
		}
		catch (IOException | RuntimeException ex) {
			deleteQuietly(directory);
			throw ex;
		}
	}

	/**
	 * Returns the temporary directory that holds the server's data, deleted by
	 * {@link #close()}.
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	@Override
	public void kill() {
		this.lifecycle.lock();
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
			this.lifecycle.unlock();
		}
	}

	@Override
	public void restart() throws IOException {
		this.lifecycle.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException("the database on port " + this.port + " is closed");
			}
			if (this.postgres != null) {
				throw new IllegalStateException("the database on port " + this.port + " is running; kill it first");
			}
			this.postgres = launch(this.directory.resolve("data"), this.port);
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Stops the server for good, as {@link #kill()} does, and deletes its data.
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
				kill();
			}
			finally {
				deleteQuietly(this.directory);
			}
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	private static EmbeddedPostgres launch(Path dataDirectory, int port) throws IOException {
		return EmbeddedPostgres.builder()
			.setPort(port)
			.setDataDirectory(dataDirectory)
			.setCleanDataDirectory(false)
			// The application stops the server; zonky's own hooks would pile up, one a
			// start.
			.setRegisterShutdownHook(false)
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "off")
			.setServerConfig("full_page_writes", "off")
			.start();
	}

	/**
	 * Deletes a temporary directory and what it holds, leaving behind what cannot be
	 * deleted.
	 * @param directory the directory
	 */
	static void deleteQuietly(Path directory) {
		try {
			FileSystemUtils.deleteRecursively(directory);
		}
		catch (IOException ex) {
			// A temporary directory left behind does no harm.
		}
	}

}
