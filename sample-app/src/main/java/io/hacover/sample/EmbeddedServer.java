package io.hacover.sample;

import java.io.IOException;

/**
 * A server embedded in the live demo, which {@link Chaos} kills and restarts on the same
 * port while the workloads use it.
 */
public interface EmbeddedServer extends AutoCloseable {

	/**
	 * Kills the server: every client connection is cut, and new ones are refused until
	 * {@link #restart()}. Does nothing if the server is down.
	 */
	void kill();

	/**
	 * Starts the server again after {@link #kill()}, on the same port and with the same
	 * data.
	 * @throws IOException if it cannot start, for example because the port is taken
	 * @throws IllegalStateException if it is running or closed
	 */
	void restart() throws IOException;

	/**
	 * Stops the server for good and deletes what it kept on disk.
	 */
	@Override
	void close();

}
