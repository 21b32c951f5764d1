package io.hacover.testsupport;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link LineClient} over one plain TCP connection ({@link Socket}).
 * <p>
 * Failures surface unchanged: a read timeout as {@link java.net.SocketTimeoutException},
 * a reset as {@link SocketException}, a refused connect as
 * {@link java.net.ConnectException}; an orderly close by the peer as
 * {@link EOFException}. {@link #send(String)} is guarded by a {@link ReentrantLock}, so
 * many threads may share one client; their exchanges are serialized.
 * <p>
 * After any {@link IOException} from {@link #send(String)} the client closes its socket,
 * because a late reply would otherwise be taken as the answer to the next request; later
 * calls fail with a {@link SocketException}. An {@code ERR} reply is not a connection
 * failure and leaves the client usable.
 */
public final class SocketLineClient implements LineClient {

	/**
	 * The connect timeout used by {@link #connect(String, int, Duration)}.
	 */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

	private final String host;

	private final int port;

	private final Socket socket;

	private final BufferedReader in;

	private final OutputStream out;

	private final ReentrantLock lock = new ReentrantLock();

	private SocketLineClient(String host, int port, Socket socket) throws IOException {
		this.host = host;
		this.port = port;
		this.socket = socket;
		this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
		this.out = socket.getOutputStream();
	}

	/**
	 * Connects to {@code host:port} with the {@link #DEFAULT_CONNECT_TIMEOUT}.
	 * <p>
	 * Same as {@link #connect(String, int, Duration, Duration)} with a connect timeout of
	 * {@link #DEFAULT_CONNECT_TIMEOUT}.
	 * @param host the host to connect to, usually {@code 127.0.0.1}
	 * @param port the port to connect to
	 * @param readTimeout how long {@link #send(String)} waits for a reply;
	 * {@link Duration#ZERO} waits forever
	 * @return the connected client
	 * @throws IOException if the connection cannot be established, for example
	 * {@link java.net.ConnectException} when it is refused
	 */
	public static SocketLineClient connect(String host, int port, Duration readTimeout) throws IOException {
		return connect(host, port, DEFAULT_CONNECT_TIMEOUT, readTimeout);
	}

	/**
	 * Connects to {@code host:port} with the given timeouts.
	 * <p>
	 * Opens one TCP connection (with {@code TCP_NODELAY}) and returns once it is
	 * established. Sub-millisecond positive timeouts are rounded up to one millisecond;
	 * {@link Duration#ZERO} means no timeout.
	 * @param host the host to connect to, usually {@code 127.0.0.1}
	 * @param port the port to connect to
	 * @param connectTimeout how long to wait for the connection to be established
	 * @param readTimeout how long {@link #send(String)} waits for a reply
	 * @return the connected client
	 * @throws IOException if the connection cannot be established: a
	 * {@link java.net.ConnectException} when refused, a
	 * {@link java.net.SocketTimeoutException} when the connect timeout elapses
	 */
	public static SocketLineClient connect(String host, int port, Duration connectTimeout, Duration readTimeout)
			throws IOException {
		Objects.requireNonNull(host, "host must not be null");
		int connectMillis = toMillis(connectTimeout, "connectTimeout");
		int readMillis = toMillis(readTimeout, "readTimeout");
		Socket socket = new Socket();
		try {
			socket.setTcpNoDelay(true);
			socket.connect(new InetSocketAddress(host, port), connectMillis);
			socket.setSoTimeout(readMillis);
			return new SocketLineClient(host, port, socket);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(socket);
			throw ex;
		}
	}

	/**
	 * Sends one request line and reads one reply line.
	 * <p>
	 * Writes {@code request + '\n'} in UTF-8, flushes and reads one line. Exchanges of
	 * concurrent callers are serialized by a lock.
	 * @param request the request line; must not contain {@code '\n'} or {@code '\r'}
	 * @return the reply line without its terminator
	 * @throws EOFException if the peer closed the connection before replying, with
	 * message {@code "connection to host:port closed by peer"}
	 * @throws java.net.SocketTimeoutException if no reply arrives within the read timeout
	 * @throws SocketException if the connection was reset or this client is closed
	 * @throws IOException on any other I/O failure
	 * @throws IllegalArgumentException if the reply starts with {@code "ERR "} (the
	 * message is the reply) or if the request contains a line terminator
	 */
	@Override
	public String send(String request) throws IOException {
		Objects.requireNonNull(request, "request must not be null");
		if (request.indexOf('\n') >= 0 || request.indexOf('\r') >= 0) {
			throw new IllegalArgumentException("request must not contain line terminators");
		}
		byte[] bytes = (request + "\n").getBytes(StandardCharsets.UTF_8);
		String reply;
		this.lock.lock();
		try {
			if (this.socket.isClosed()) {
				throw new SocketException("connection to " + endpoint() + " is closed");
			}
			try {
				this.out.write(bytes);
				this.out.flush();
				reply = this.in.readLine();
				if (reply == null) {
					throw new EOFException("connection to " + endpoint() + " closed by peer");
				}
			}
			catch (IOException ex) {
				closeQuietly(this.socket);
				throw ex;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (reply.startsWith("ERR ")) {
			throw new IllegalArgumentException(reply);
		}
		return reply;
	}

	/**
	 * Returns whether this client's socket is still open.
	 * <p>
	 * {@code false} after {@link #close()} or after a {@link #send(String)} failed with
	 * an {@link IOException}; {@code true} does not prove that the peer is alive.
	 * @return whether the socket is open
	 */
	public boolean isOpen() {
		return !this.socket.isClosed();
	}

	/**
	 * Closes the socket.
	 * <p>
	 * Idempotent; does not wait for an exchange in progress, which then fails with a
	 * {@link SocketException}.
	 * @throws IOException if closing the socket fails
	 */
	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * Returns {@code SocketLineClient[host:port]}.
	 * @return the description
	 */
	@Override
	public String toString() {
		return "SocketLineClient[" + endpoint() + "]";
	}

	private String endpoint() {
		return this.host + ":" + this.port;
	}

	private static int toMillis(Duration timeout, String name) {
		Objects.requireNonNull(timeout, name + " must not be null");
		if (timeout.isNegative()) {
			throw new IllegalArgumentException(name + " must not be negative");
		}
		if (timeout.isZero()) {
			return 0;
		}
		long millis = timeout.toMillis();
		if (millis == 0) {
			return 1;
		}
		return (int) Math.min(millis, Integer.MAX_VALUE);
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// best effort
		}
	}

}
