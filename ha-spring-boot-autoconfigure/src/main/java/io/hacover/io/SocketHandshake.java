package io.hacover.io;

import java.io.IOException;

/**
 * What a client says on every fresh socket before the application uses it: log in, select
 * a database, re-subscribe. The re-handshake hook of the socket cover, where a client
 * rebuilds the server-side state of its connection (H27).
 * <p>
 * Run by {@link HaSockets} on the first connect and on every reconnect of a recovery, on
 * the thread that connects. The handshake gets the plain socket, not the HA connection:
 * an error in it never starts a recovery of its own (H21). An {@link IOException} counts
 * as a failure of that endpoint: the socket is closed and the next endpoint is tried. Any
 * other exception closes the socket and ends the connect, or the recovery attempt, at
 * once.
 */
@FunctionalInterface
public interface SocketHandshake {

	/**
	 * Speaks to the server on a freshly connected socket before it is handed out.
	 * @param fresh the new, plain connection
	 * @throws IOException when the server does not accept the handshake; the socket is
	 * then closed and the next endpoint tried
	 */
	void perform(SocketConnection fresh) throws IOException;

	/**
	 * Returns a handshake that says nothing.
	 * @return the empty handshake
	 */
	static SocketHandshake none() {
		return (fresh) -> {
		};
	}

}
