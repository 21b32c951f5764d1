package io.hacover.bench;

import java.io.IOException;

/**
 * A client of the line protocol of {@link EchoServer}: one {@link #send(String)} is one
 * request and its reply. The interface the recovery scenario makes HA-aware.
 */
public interface LineClient extends AutoCloseable {

	/**
	 * Sends one line and returns the reply line.
	 * @param request the line, without its terminator
	 * @return the reply, without its terminator
	 * @throws IOException if the connection fails
	 */
	String send(String request) throws IOException;

	/**
	 * Closes the connection.
	 * @throws IOException if closing fails
	 */
	@Override
	void close() throws IOException;

}
