package io.hacover.testsupport;

import java.io.IOException;

/**
 * An application-style client for the line protocol spoken by {@link LineServer}.
 * <p>
 * One call to {@link #send(String)} is one request/reply exchange. Connection failures
 * surface as {@link IOException} subclasses; a server-side {@code ERR ...} reply surfaces
 * as {@link IllegalArgumentException}. This is the interface the product proxies in
 * tests.
 */
public interface LineClient extends AutoCloseable {

	/**
	 * Sends one request line and returns the server's reply line.
	 * <p>
	 * The request must not contain line terminators. The reply is returned without its
	 * terminating newline.
	 * @param request the request line, without a trailing newline
	 * @return the reply line
	 * @throws IOException if the connection fails, times out or is closed by the peer
	 * @throws IllegalArgumentException if the server replies with an {@code ERR} line
	 */
	String send(String request) throws IOException;

	/**
	 * Closes the underlying connection.
	 * <p>
	 * Idempotent; after closing, {@link #send(String)} fails with an {@link IOException}.
	 * @throws IOException if closing the connection fails
	 */
	@Override
	void close() throws IOException;

}
