package io.hacover.io;

import java.time.Duration;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.RecoveryFunction;

import org.springframework.util.Assert;

/**
 * How {@link HaSockets} connects a socket and recovers it: timeouts, handshake, and the
 * connection's settings and recovery function.
 *
 * @param connectTimeout how long one connect to one endpoint may take before the next
 * endpoint is tried; positive, so that a connect never hangs
 * @param readTimeout how long a read waits for data before it fails with a
 * {@link java.net.SocketTimeoutException} (a stale error, so a black-holed peer is
 * detected); {@link Duration#ZERO} waits for ever
 * @param handshake what to say on every fresh socket before it is used
 * @param settings the connection's settings (H12 to H16), or {@code null} for the table's
 * defaults
 * @param recovery the recovery function, or {@code null} for the built-in one that
 * reconnects to the same endpoint first, then fails over to the others
 */
public record SocketOptions(Duration connectTimeout, Duration readTimeout, SocketHandshake handshake,
		ConnectionSettings settings, RecoveryFunction<SocketConnection> recovery) {

	/**
	 * Time one connect to one endpoint may take, by default.
	 */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

	/**
	 * Time a read waits for data, by default.
	 */
	public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Validates the options.
	 * @param connectTimeout time of one connect, positive
	 * @param readTimeout time a read waits, zero for ever, not negative
	 * @param handshake what to say on every fresh socket
	 * @param settings the connection's settings, or {@code null}
	 * @param recovery the recovery function, or {@code null}
	 */
	public SocketOptions {
		Assert.isTrue(connectTimeout != null && !connectTimeout.isNegative() && !connectTimeout.isZero(),
				"'connectTimeout' must be positive");
		Assert.isTrue(readTimeout != null && !readTimeout.isNegative(), "'readTimeout' must not be negative");
		Assert.notNull(handshake, "'handshake' must not be null; use SocketHandshake.none()");
	}

	/**
	 * Returns the defaults: {@link #DEFAULT_CONNECT_TIMEOUT},
	 * {@link #DEFAULT_READ_TIMEOUT}, no handshake, the table's settings and the built-in
	 * recovery.
	 * @return the default options
	 */
	public static SocketOptions defaults() {
		return new SocketOptions(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, SocketHandshake.none(), null, null);
	}

	/**
	 * Returns a copy with another connect timeout.
	 * @param connectTimeout time of one connect to one endpoint, positive
	 * @return the new options
	 */
	public SocketOptions withConnectTimeout(Duration connectTimeout) {
		return new SocketOptions(connectTimeout, this.readTimeout, this.handshake, this.settings, this.recovery);
	}

	/**
	 * Returns a copy with another read timeout.
	 * @param readTimeout time a read waits for data, {@link Duration#ZERO} for ever
	 * @return the new options
	 */
	public SocketOptions withReadTimeout(Duration readTimeout) {
		return new SocketOptions(this.connectTimeout, readTimeout, this.handshake, this.settings, this.recovery);
	}

	/**
	 * Returns a copy with another handshake.
	 * @param handshake what to say on every fresh socket
	 * @return the new options
	 */
	public SocketOptions withHandshake(SocketHandshake handshake) {
		return new SocketOptions(this.connectTimeout, this.readTimeout, handshake, this.settings, this.recovery);
	}

	/**
	 * Returns a copy with the connection's own settings.
	 * @param settings the settings, or {@code null} for the table's defaults
	 * @return the new options
	 */
	public SocketOptions withSettings(ConnectionSettings settings) {
		return new SocketOptions(this.connectTimeout, this.readTimeout, this.handshake, settings, this.recovery);
	}

	/**
	 * Returns a copy with a recovery function of the application's own, which may call
	 * {@link HaSockets#reconnect} (H26).
	 * @param recovery the recovery function, or {@code null} for the built-in one
	 * @return the new options
	 */
	public SocketOptions withRecovery(RecoveryFunction<SocketConnection> recovery) {
		return new SocketOptions(this.connectTimeout, this.readTimeout, this.handshake, this.settings, recovery);
	}

}
