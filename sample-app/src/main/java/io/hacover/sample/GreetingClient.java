package io.hacover.sample;

import java.io.IOException;

/**
 * The application's own client of the line server. The application only ever holds the HA
 * connection that hacover puts in place of the real client.
 */
public interface GreetingClient extends AutoCloseable {

	/**
	 * Sends {@code ECHO text} and returns the server's reply.
	 * @param text the text, on one line
	 * @return the reply, {@code text} itself
	 * @throws IOException if the connection fails
	 */
	String echo(String text) throws IOException;

	/**
	 * Closes the connection.
	 * @throws IOException if closing fails
	 */
	@Override
	void close() throws IOException;

}
