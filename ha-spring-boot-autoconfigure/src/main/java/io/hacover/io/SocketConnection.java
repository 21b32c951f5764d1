package io.hacover.io;

import java.net.InetSocketAddress;
import java.nio.channels.ByteChannel;

/**
 * A blocking TCP connection to one of a list of endpoints, read and written as a
 * {@link ByteChannel}. {@link HaSockets} hands out HA connections of this type.
 * <p>
 * On an HA connection, an operation that fails stale (a reset or a broken pipe,
 * {@link java.net.SocketException}; a read timeout of a black-holed peer,
 * {@link java.net.SocketTimeoutException}) recovers the connection and is issued again on
 * the new socket (H8, H10). Under the default
 * {@link io.hacover.core.RetransmitPolicy#ALWAYS ALWAYS} policy a failed write is written
 * again whole, so its bytes reach the server at least once (H14): the peer may see them
 * twice, and bytes that earlier writes handed to the dead socket are lost. A failed read
 * is re-issued as a read alone: if its request went out on the old socket, the new one
 * never replies, and the read fails again by its timeout, within the limits of H13. An
 * orderly end of stream is not an error: {@link #read} returns {@code -1}, as a
 * {@link ByteChannel} does.
 */
public interface SocketConnection extends ByteChannel {

	/**
	 * Returns the endpoint this connection is connected to: after a fail-over, the
	 * endpoint it moved to.
	 * @return the endpoint, as given in the list of endpoints
	 */
	InetSocketAddress endpoint();

}
