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
	 * Sends {@code NAME name}: the server greets that name on this connection from now
	 * on. Session state: a new connection greets {@code world} until it is set again.
	 * @param name the name, on one line
	 * @throws IOException if the connection fails
	 */
	void setName(String name) throws IOException;

	/**
	 * Returns the name set on this connection, as the client remembers it, without asking
	 * the server: what a recovery sets again on the new connection.
	 * @return the name, or {@code null} if none was set
	 */
	String name();

	/**
	 * Sends {@code HELLO} and returns the server's greeting.
	 * @return {@code Hello, <name>}
	 * @throws IOException if the connection fails
	 */
	String hello() throws IOException;

	/**
	 * Closes the connection.
	 * @throws IOException if closing fails
	 */
	@Override
	void close() throws IOException;

}
