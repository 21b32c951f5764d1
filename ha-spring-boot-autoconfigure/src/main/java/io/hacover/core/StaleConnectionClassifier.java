package io.hacover.core;

import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether an error says "this connection is dead" (a stale error, the C library's
 * {@code EBADF}) and so starts a recovery (H8). Every other error reaches the caller
 * unchanged.
 */
@FunctionalInterface
public interface StaleConnectionClassifier {

	/**
	 * The connection errors of {@code java.io}, {@code java.net} and {@code java.nio}
	 * that the {@linkplain #defaults() default classifier} treats as stale: resets,
	 * refused connects, broken pipes ({@link SocketException}), read timeouts of a
	 * black-holed peer ({@link SocketTimeoutException}), a peer that closed the stream
	 * ({@link EOFException}), and closed channels, including those closed by an interrupt
	 * ({@link ClosedChannelException}).
	 */
	List<Class<? extends Throwable>> DEFAULT_STALE_TYPES = List.of(StaleConnectionException.class,
			SocketException.class, SocketTimeoutException.class, HttpConnectTimeoutException.class, EOFException.class,
			ClosedChannelException.class);

	/**
	 * Returns whether the error, as thrown by an operation on the resource, is stale.
	 * @param error the error
	 * @return {@code true} to start a recovery
	 */
	boolean isStale(Throwable error);

	/**
	 * Returns a classifier that accepts either this one's or the other's stale errors.
	 * @param other another classifier
	 * @return the combined classifier
	 */
	default StaleConnectionClassifier or(StaleConnectionClassifier other) {
		return (error) -> isStale(error) || other.isStale(error);
	}

	/**
	 * Returns the default classifier: {@link #DEFAULT_STALE_TYPES} anywhere in the cause
	 * chain.
	 * @return the default classifier
	 */
	static StaleConnectionClassifier defaults() {
		return ofTypes(DEFAULT_STALE_TYPES);
	}

	/**
	 * Returns a classifier that finds an instance of one of the given types anywhere in
	 * the cause chain (causes are followed until a cycle or the end).
	 * @param types the stale error types
	 * @return the classifier
	 */
	static StaleConnectionClassifier ofTypes(List<Class<? extends Throwable>> types) {
		List<Class<? extends Throwable>> stale = List.copyOf(types);
		return (error) -> {
			Map<Throwable, Boolean> seen = new IdentityHashMap<>();
			for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
				for (Class<? extends Throwable> type : stale) {
					if (type.isInstance(t)) {
						return true;
					}
				}
			}
			return false;
		};
	}

}
