package io.hacover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * An embedded PostgreSQL server (zonky) on a free loopback port that can be stopped and
 * started again on the same port with the same data directory; a trimmed copy of the
 * tests' {@code PostgresServer}.
 */
public final class Postgres implements AutoCloseable {

	private final Path directory;

	private final int port;

	private EmbeddedPostgres server;

	private Postgres(Path directory) throws IOException {
		this.directory = directory;
		this.server = launch(directory, 0);
		this.port = this.server.getPort();
	}

	/**
	 * Starts a server with a fresh data directory.
	 * @return the running server
	 * @throws IOException if it cannot start
	 */
	public static Postgres start() throws IOException {
		return new Postgres(Files.createTempDirectory("hacover-bench-postgres-"));
	}

	/**
	 * Returns the JDBC URL of database {@code postgres} as user {@code postgres}.
	 * @return the URL
	 */
	public String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.port + "/postgres?user=postgres";
	}

	/**
	 * Returns an unpooled data source: each {@code getConnection()} connects.
	 * @return the data source
	 */
	public DataSource dataSource() {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setServerNames(new String[] { "localhost" });
		dataSource.setPortNumbers(new int[] { this.port });
		dataSource.setDatabaseName("postgres");
		dataSource.setUser("postgres");
		dataSource.setConnectTimeout(5);
		return dataSource;
	}

	/**
	 * Stops the server with a fast shutdown: open connections are terminated and new ones
	 * refused.
	 * @throws IOException if stopping fails
	 */
	public void stop() throws IOException {
		EmbeddedPostgres running = this.server;
		this.server = null;
		if (running != null) {
			running.close();
		}
	}

	/**
	 * Starts the server again on the same port and data directory; returns once it
	 * accepts connections.
	 * @throws IOException if it cannot start
	 */
	public void restart() throws IOException {
		this.server = launch(this.directory, this.port);
	}

	@Override
	public void close() throws IOException {
		stop();
		try (Stream<Path> paths = Files.walk(this.directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
	}

	private static EmbeddedPostgres launch(Path directory, int port) throws IOException {
		return EmbeddedPostgres.builder()
			.setPort(port)
			.setDataDirectory(directory.resolve("data"))
			.setCleanDataDirectory(false)
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "off")
			.setServerConfig("full_page_writes", "off")
			.start();
	}

}
