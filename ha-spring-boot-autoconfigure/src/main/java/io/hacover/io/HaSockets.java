package io.hacover.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

import io.hacover.core.Attachment;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * Connects HA sockets: TCP connections to the first of several endpoints that, when the
 * server behind them dies, reconnect, fail over to the other endpoints and handshake
 * again, and then re-issue the failed operation.
 * <p>
 * Each connection is opened through {@link HaConnections#open(Attachment)}: connect, then
 * attach, closing the socket if the attach fails (H6). Without a recovery function of the
 * application's own, a recovery reconnects to the endpoint the connection was on, then to
 * the endpoints after it in the list, wrapping around, and runs the
 * {@link SocketHandshake} on the fresh socket (H10, H26, H27). Each attempt of a recovery
 * tries every endpoint once; the connection's {@link io.hacover.core.RecoveryPolicy}
 * spaces the attempts (H12). Failed writes are re-issued, at least once, under the
 * default {@link io.hacover.core.RetransmitPolicy#ALWAYS ALWAYS} policy (H14).
 * Thread-safe.
 */
public final class HaSockets {

	private static final Log logger = LogFactory.getLog(HaSockets.class);

	private final HaConnections connections;

	/**
	 * Creates a connector that opens its connections in the given table.
	 * @param connections the table of HA connections
	 */
	public HaSockets(HaConnections connections) {
		Assert.notNull(connections, "'connections' must not be null");
		this.connections = connections;
	}

	/**
	 * Connects an HA socket with the {@linkplain SocketOptions#defaults() default
	 * options}: shorthand for {@code connect(name, endpoints, SocketOptions.defaults())}.
	 * @param name the connection's name, unique in the table
	 * @param endpoints the endpoints, in the order to try them
	 * @return the HA connection
	 * @throws java.net.ConnectException if no endpoint accepts the connect
	 * @throws IOException if connecting fails otherwise
	 * @throws IllegalArgumentException if {@code endpoints} is empty or holds
	 * {@code null}
	 * @throws IllegalStateException if the name is taken; the socket is closed (H6)
	 */
	public SocketConnection connect(String name, List<InetSocketAddress> endpoints) throws IOException {
		return connect(name, endpoints, SocketOptions.defaults());
	}

	/**
	 * Connects an HA socket to the first of the endpoints that accepts the connect (each
	 * within the connect timeout) and the handshake, then attaches it under the given
	 * name (H6).
	 * <p>
	 * If every endpoint fails, no connection is made and a
	 * {@link java.net.ConnectException} names each endpoint with its failure, and holds
	 * the failures as suppressed exceptions. If the attach fails (the name is taken), the
	 * fresh socket is closed before the error is thrown (H6). The handshake runs on this
	 * connect and on every reconnect.
	 * @param name the connection's name, unique in the table
	 * @param endpoints the endpoints, in the order to try them
	 * @param options the timeouts, handshake, settings and recovery function
	 * @return the HA connection
	 * @throws java.net.ConnectException if no endpoint accepts the connect and the
	 * handshake
	 * @throws IOException if connecting fails otherwise
	 * @throws IllegalArgumentException if {@code endpoints} is empty or holds
	 * {@code null}
	 * @throws IllegalStateException if the name is taken; the socket is closed (H6)
	 */
	public SocketConnection connect(String name, List<InetSocketAddress> endpoints, SocketOptions options)
			throws IOException {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(options, "'options' must not be null");
		List<InetSocketAddress> checked = SocketEndpoints.check(name, endpoints);
		RecoveryFunction<SocketConnection> recovery = (options.recovery() != null) ? options.recovery()
				: failingOver(checked);
		Attachment<SocketConnection> attachment = Attachment
			.opening(SocketConnection.class, () -> SocketEndpoints.connect(name, checked, options))
			.name(name)
			.kind("socket")
			.recovery(recovery)
			.endpoints(checked);
		if (options.settings() != null) {
			attachment.settings(options.settings());
		}
		return Opening.open(this.connections, attachment, "connection '" + name + "'");
	}

	/**
	 * Reconnects a socket to another server, for a recovery function of the application's
	 * own (H26): closes the failed socket quietly, then connects to the first of the
	 * given endpoints that accepts the connect and the handshake, trying each once, in
	 * the given order.
	 * <p>
	 * The fresh socket uses the timeouts and the handshake that the failed one was
	 * connected with ({@link SocketOptions#defaults()} for a socket that this class did
	 * not connect). Returning it from the recovery function makes the HA connection, and
	 * every duplicate, use it, and re-issues the failed operation on it (H10, H25).
	 * Throwing, as this method does when no endpoint accepts, fails this attempt; the
	 * recovery policy decides whether another follows (H12).
	 * @param context the context of the recovery
	 * @param endpoints the endpoints to try, in order
	 * @return the fresh connection
	 * @throws java.net.ConnectException if every endpoint failed; it names each endpoint
	 * with its failure
	 * @throws IllegalArgumentException if {@code endpoints} is empty or holds
	 * {@code null}
	 */
	public static SocketConnection reconnect(RecoveryContext<SocketConnection> context,
			List<InetSocketAddress> endpoints) throws IOException {
		List<InetSocketAddress> checked = SocketEndpoints.check(context.name(), endpoints);
		SocketConnection failed = context.failedResource();
		SocketOptions options = (failed instanceof EndpointSocket socket) ? socket.options() : SocketOptions.defaults();
		closeQuietly(context.name(), failed);
		return SocketEndpoints.connect(context.name(), checked, options);
	}

	private static RecoveryFunction<SocketConnection> failingOver(List<InetSocketAddress> endpoints) {
		return (context) -> reconnect(context,
				SocketEndpoints.startingAt(endpoints, context.failedResource().endpoint()));
	}

	private static void closeQuietly(String name, SocketConnection failed) {
		try {
			failed.close();
		}
		catch (IOException ex) {
			logger.debug("Ignored failure to close the failed socket of connection '" + name + "'", ex);
		}
	}

}
