package io.hacover.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.time.Duration;

import javax.net.SocketFactory;

import jdk.net.ExtendedSocketOptions;

/**
 * A socket factory for the PostgreSQL driver that turns TCP keepalive on for every socket
 * it makes, with its own idle time, probe interval and probe count, so that a server that
 * stopped answering (black-holed: packets dropped, no reset) is found dead after about
 * {@code idle + interval * count} of silence, and a read waiting for it fails, without a
 * socket timeout that would cut a long query short (H35).
 * <p>
 * pgjdbc makes it by its class name, given as the {@code socketFactory} connection
 * property, and passes the {@code socketFactoryArg} property to the constructor:
 * {@code idle=4,interval=2,count=3}, in seconds, each part optional (these are the
 * defaults: dead after about 10 s of silence). {@link PostgresDeadPeerDetection} sets
 * both. Where the platform lacks one of the {@link ExtendedSocketOptions}, the system's
 * setting for it applies.
 * <p>
 * Keepalive probes go out only while nothing sent is unacknowledged: the usual case of a
 * query sent and acknowledged whose answer is awaited, or of an idle connection. Data
 * that the peer never acknowledges is bounded by the system's retransmission limit
 * instead ({@code net.ipv4.tcp_retries2} on Linux, about 15 minutes).
 */
public final class KeepAliveSocketFactory extends SocketFactory {

	/**
	 * Silence after which the first probe is sent, by default: that of
	 * {@link PostgresDeadPeerDetection#defaults()}.
	 */
	public static final Duration DEFAULT_IDLE = PostgresDeadPeerDetection.defaults().keepAliveIdle();

	/**
	 * Time between unanswered probes, by default.
	 */
	public static final Duration DEFAULT_INTERVAL = PostgresDeadPeerDetection.defaults().keepAliveInterval();

	/**
	 * Unanswered probes after which the connection is dead, by default.
	 */
	public static final int DEFAULT_COUNT = PostgresDeadPeerDetection.defaults().keepAliveCount();

	private static final String FORMAT = "idle=<seconds>,interval=<seconds>,count=<probes>, for example "
			+ "idle=4,interval=2,count=3";

	private final int idleSeconds;

	private final int intervalSeconds;

	private final int count;

	/**
	 * Creates a factory with the settings of pgjdbc's {@code socketFactoryArg}.
	 * @param argument {@code idle=<seconds>,interval=<seconds>,count=<probes>}, each part
	 * optional; {@code null} or empty for the defaults
	 * @throws IllegalArgumentException if the argument is not of that form, or a value is
	 * not positive
	 */
	public KeepAliveSocketFactory(String argument) {
		int idle = seconds(DEFAULT_IDLE);
		int interval = seconds(DEFAULT_INTERVAL);
		int probes = DEFAULT_COUNT;
		if (argument != null && !argument.isBlank()) {
			for (String part : argument.split(",")) {
				String[] setting = part.split("=", 2);
				if (setting.length != 2) {
					throw invalid(argument);
				}
				int value = positive(argument, setting[1].trim());
				switch (setting[0].trim()) {
					case "idle" -> idle = value;
					case "interval" -> interval = value;
					case "count" -> probes = value;
					default -> throw invalid(argument);
				}
			}
		}
		this.idleSeconds = idle;
		this.intervalSeconds = interval;
		this.count = probes;
	}

	/**
	 * Returns the {@code socketFactoryArg} that gives a factory these settings.
	 * @param idle silence before the first probe, at least one second
	 * @param interval time between probes, at least one second
	 * @param count unanswered probes that make the connection dead, at least 1
	 * @return the argument
	 */
	static String argument(Duration idle, Duration interval, int count) {
		return "idle=" + seconds(idle) + ",interval=" + seconds(interval) + ",count=" + count;
	}

	/**
	 * Returns an unconnected socket with keepalive on, as pgjdbc asks for before it
	 * connects with its {@code connectTimeout}.
	 * @return the socket
	 * @throws IOException if an option cannot be set
	 */
	@Override
	public Socket createSocket() throws IOException {
		Socket socket = new Socket();
		try {
			socket.setKeepAlive(true);
			set(socket, ExtendedSocketOptions.TCP_KEEPIDLE, this.idleSeconds);
			set(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, this.intervalSeconds);
			set(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, this.count);
			return socket;
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Returns a socket with keepalive on, connected to the given host and port.
	 * @param host the host
	 * @param port the port
	 * @return the connected socket
	 * @throws IOException if the connect fails
	 */
	@Override
	public Socket createSocket(String host, int port) throws IOException {
		return connect(new InetSocketAddress(host, port), null);
	}

	/**
	 * Returns a socket with keepalive on, bound to the given local address and port and
	 * connected to the given host and port.
	 * @param host the host
	 * @param port the port
	 * @param localHost the local address
	 * @param localPort the local port, 0 for any
	 * @return the connected socket
	 * @throws IOException if the bind or the connect fails
	 */
	@Override
	public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
		return connect(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
	}

	/**
	 * Returns a socket with keepalive on, connected to the given address and port.
	 * @param host the address
	 * @param port the port
	 * @return the connected socket
	 * @throws IOException if the connect fails
	 */
	@Override
	public Socket createSocket(InetAddress host, int port) throws IOException {
		return connect(new InetSocketAddress(host, port), null);
	}

	/**
	 * Returns a socket with keepalive on, bound to the given local address and port and
	 * connected to the given address and port.
	 * @param address the address
	 * @param port the port
	 * @param localAddress the local address
	 * @param localPort the local port, 0 for any
	 * @return the connected socket
	 * @throws IOException if the bind or the connect fails
	 */
	@Override
	public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
			throws IOException {
		return connect(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
	}

	@Override
	public String toString() {
		return "KeepAliveSocketFactory[idle=" + this.idleSeconds + "s, interval=" + this.intervalSeconds + "s, count="
				+ this.count + "]";
	}

	private Socket connect(InetSocketAddress remote, InetSocketAddress local) throws IOException {
		Socket socket = createSocket();
		try {
			if (local != null) {
				socket.bind(local);
			}
			socket.connect(remote);
			return socket;
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	private static void set(Socket socket, SocketOption<Integer> option, int value) throws IOException {
		if (socket.supportedOptions().contains(option)) {
			socket.setOption(option, value);
		}
	}

	private static int seconds(Duration duration) {
		long seconds = duration.getSeconds() + ((duration.getNano() > 0) ? 1 : 0);
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
	}

	private static int positive(String argument, String value) {
		try {
			int parsed = Integer.parseInt(value);
			if (parsed > 0) {
				return parsed;
			}
		}
		catch (NumberFormatException ex) {
			// Reported below with the expected form.
		}
		throw invalid(argument);
	}

	private static IllegalArgumentException invalid(String argument) {
		return new IllegalArgumentException("socketFactoryArg '" + argument + "' of "
				+ KeepAliveSocketFactory.class.getName() + " is not of the form " + FORMAT);
	}

}
