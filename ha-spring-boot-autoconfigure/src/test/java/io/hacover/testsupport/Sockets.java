package io.hacover.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;

/**
 * The socket chores the loopback servers and relays of the test support share.
 */
final class Sockets {

	private Sockets() {
	}

	/**
	 * Closes a socket with a reset (linger 0), as a crashed peer's kernel would.
	 * @param socket the socket, may be {@code null}
	 */
	static void abort(Socket socket) {
		if (socket == null) {
			return;
		}
		try {
			socket.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// already closed
		}
		closeQuietly(socket);
	}

	/**
	 * Closes, ignoring any failure.
	 * @param closeable what to close, may be {@code null}
	 */
	static void closeQuietly(AutoCloseable closeable) {
		if (closeable == null) {
			return;
		}
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// best effort
		}
	}

	/**
	 * Returns 127.0.0.1, without a name lookup.
	 * @return the loopback address
	 */
	static InetAddress loopback() {
		try {
			return InetAddress.getByAddress("localhost", new byte[] { 127, 0, 0, 1 });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
