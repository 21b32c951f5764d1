package io.hacover.io;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The endpoints of one socket connection, tried in order: the first that accepts the
 * connect and the handshake wins.
 */
final class SocketEndpoints {

	private SocketEndpoints() {
	}

	/**
	 * Checks a list of endpoints given for a connection.
	 * @param name the connection's name, for the message
	 * @param endpoints the endpoints
	 * @return an immutable copy
	 * @throws IllegalArgumentException if the list is {@code null}, empty or holds
	 * {@code null}
	 */
	static List<InetSocketAddress> check(String name, List<InetSocketAddress> endpoints) {
		if (endpoints == null || endpoints.isEmpty()) {
			throw new IllegalArgumentException("connection '" + name + "': no endpoints given; give at least one "
					+ "host and port to connect to");
		}
		if (endpoints.stream().anyMatch(Objects::isNull)) {
			throw new IllegalArgumentException("connection '" + name + "': the endpoints " + endpoints
					+ " hold null; give only host and port pairs");
		}
		return List.copyOf(endpoints);
	}

	/**
	 * Returns the endpoints in order, starting at {@code first} and wrapping around; all
	 * of them in order if {@code first} is not among them.
	 * @param endpoints the endpoints
	 * @param first the endpoint to try first
	 * @return the endpoints to try, each once
	 */
	static List<InetSocketAddress> startingAt(List<InetSocketAddress> endpoints, InetSocketAddress first) {
		int start = Math.max(0, endpoints.indexOf(first));
		List<InetSocketAddress> order = new ArrayList<>(endpoints.size());
		order.addAll(endpoints.subList(start, endpoints.size()));
		order.addAll(endpoints.subList(0, start));
		return order;
	}

	/**
	 * Connects to the first endpoint that accepts the connect and the handshake, trying
	 * each once, in order.
	 * @param name the connection's name, for the message
	 * @param endpoints the endpoints, in the order to try them
	 * @param options the timeouts and the handshake
	 * @return the fresh connection
	 * @throws ConnectException if every endpoint failed; it names each endpoint with its
	 * failure, and holds the failures as suppressed exceptions
	 */
	static SocketConnection connect(String name, List<InetSocketAddress> endpoints, SocketOptions options)
			throws ConnectException {
		List<IOException> failures = new ArrayList<>(endpoints.size());
		StringJoiner details = new StringJoiner("; ", " (", ")");
		for (InetSocketAddress endpoint : endpoints) {
			try {
				return EndpointSocket.connect(endpoint, options, name);
			}
			catch (IOException ex) {
				failures.add(ex);
				details.add(describe(endpoint) + ": " + ex);
			}
		}
		ConnectException failure = new ConnectException("connection '" + name + "': could not connect to any of "
				+ endpoints.stream().map(SocketEndpoints::describe).toList() + details
				+ "; check that a server listens on one of them");
		failures.forEach(failure::addSuppressed);
		throw failure;
	}

	private static String describe(InetSocketAddress endpoint) {
		return EndpointSocket.describe(endpoint);
	}

}
