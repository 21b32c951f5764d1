package io.hacover.testsupport;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A small, real request/reply TCP server on 127.0.0.1 that tests can kill and restart on
 * the same port.
 * <p>
 * The protocol is line based (UTF-8, one request line in, at most one reply line out,
 * lines terminated by {@code '\n'}):
 * <ul>
 * <li>{@code PING} replies {@code PONG};</li>
 * <li>{@code ECHO <text>} replies {@code <text>} ({@code ECHO} alone replies an empty
 * line);</li>
 * <li>{@code INCR} increments a server-wide counter and replies its new value; the
 * counter belongs to this object and survives {@link #kill()} and
 * {@link #restart()};</li>
 * <li>{@code SLOW <millis> <text>} waits {@code millis} milliseconds, then replies
 * {@code <text>} (a malformed or negative delay replies {@code ERR malformed SLOW});</li>
 * <li>{@code CLOSE} closes the connection (orderly, so the client reads end of stream)
 * without a reply;</li>
 * <li>anything else replies {@code ERR unknown command}.</li>
 * </ul>
 * Each accepted connection is served by its own daemon thread named
 * {@code line-server-<port>-N}; the accepting thread is named
 * {@code line-server-<port>-acceptor}. The listening socket uses {@code SO_REUSEADDR} so
 * that {@link #restart()} can bind the same port immediately after {@link #kill()}.
 */
public final class LineServer implements AutoCloseable {

	private static final InetAddress LOOPBACK = loopback();

	private static final int BACKLOG = 256;

	private static final long ACCEPTOR_JOIN_MILLIS = 5_000;

	private final AtomicLong counter = new AtomicLong();

	private final AtomicInteger connectionsAccepted = new AtomicInteger();

	private final AtomicLong requests = new AtomicLong();

	private final AtomicInteger requestsInProgress = new AtomicInteger();

	private final AtomicInteger threadNumber = new AtomicInteger();

	private final AtomicInteger serving = new AtomicInteger();

	private final ReentrantLock servingLock = new ReentrantLock();

	private final Condition noneServing = this.servingLock.newCondition();

	private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final ReentrantReadWriteLock killLock = new ReentrantReadWriteLock();

	private final int port;

	private final ExecutorService handlers;

	private volatile ServerSocket serverSocket;

	private volatile Thread acceptor;

	private volatile boolean closed;

	private LineServer(int requestedPort) throws IOException {
		ServerSocket socket = bind(requestedPort);
		this.port = socket.getLocalPort();
		this.handlers = Executors.newCachedThreadPool(this::newHandlerThread);
		startAccepting(socket);
	}

	/**
	 * Starts a server on an ephemeral port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns; use {@link #port()}
	 * to learn the port.
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 */
	public static LineServer start() throws IOException {
		return new LineServer(0);
	}

	/**
	 * Starts a server on the given port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns.
	 * @param port the port to bind, {@code 0} for an ephemeral one
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 */
	public static LineServer start(int port) throws IOException {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new LineServer(port);
	}

	/**
	 * Returns the port this server listens on.
	 * <p>
	 * The port is fixed for the lifetime of this object, including across {@link #kill()}
	 * and {@link #restart()}.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Kills the server abruptly.
	 * <p>
	 * Closes the listening socket, then closes every open client connection with
	 * {@code SO_LINGER 0} so that clients see a connection reset (or end of stream);
	 * connections the kernel completed but the server had not yet accepted are reset too.
	 * Returns only once the listening socket is closed and the accepting thread has
	 * ended, so a connect to {@link #port()} is refused afterwards, and once no request
	 * of the killed connections can have any further effect (a request read but not yet
	 * answered is dropped: no {@code INCR}, no reply, not counted). Connection-handling
	 * threads end on their own as their sockets fail. Idempotent; the counters are kept.
	 */
	public void kill() {
		this.lifecycleLock.lock();
		try {
			ServerSocket socket = this.serverSocket;
			if (socket != null) {
				closeQuietly(socket);
			}
			this.killLock.writeLock().lock();
			try {
				for (Socket client : this.openSockets) {
					abort(client);
				}
			}
			finally {
				this.killLock.writeLock().unlock();
			}
			Thread accepting = this.acceptor;
			if (accepting != null && accepting != Thread.currentThread()) {
				joinQuietly(accepting);
			}
			awaitNoneServing();
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Waits until every connection thread has left its socket: the JDK sends the reset of
	 * a socket closed while another thread reads it only once that thread leaves the
	 * read, so a kill is complete only then.
	 */
	private void awaitNoneServing() {
		this.servingLock.lock();
		try {
			long nanos = TimeUnit.MILLISECONDS.toNanos(ACCEPTOR_JOIN_MILLIS);
			while (this.serving.get() > 0 && nanos > 0) {
				nanos = this.noneServing.awaitNanos(nanos);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.servingLock.unlock();
		}
	}

	/**
	 * Starts accepting again on the same port after {@link #kill()}.
	 * <p>
	 * Binds {@link #port()} anew (with {@code SO_REUSEADDR}) and returns once the server
	 * accepts connections.
	 * @throws IllegalStateException if the server is running or has been closed
	 * @throws IOException if the port cannot be bound (for example, because another
	 * socket took it in the meantime)
	 */
	public void restart() throws IOException {
		this.lifecycleLock.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException("LineServer on port " + this.port + " is closed");
			}
			if (running()) {
				throw new IllegalStateException("LineServer on port " + this.port + " is running");
			}
			startAccepting(bind(this.port));
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Returns whether the server is accepting connections.
	 * <p>
	 * {@code true} from start or {@link #restart()} until {@link #kill()} or
	 * {@link #close()}.
	 * @return whether the listening socket is open
	 */
	public boolean running() {
		ServerSocket socket = this.serverSocket;
		return socket != null && !socket.isClosed();
	}

	/**
	 * Returns how many connections this server has accepted.
	 * <p>
	 * The total over all lifetimes (start and every restart) of this object.
	 * @return the number of accepted connections
	 */
	public int connectionsAccepted() {
		return this.connectionsAccepted.get();
	}

	/**
	 * Returns how many client connections are currently open.
	 * <p>
	 * A connection counts from its acceptance until it is closed by the client, by
	 * {@code CLOSE}, by {@link #kill()} or by a failure. It drops to {@code 0} right
	 * after {@link #kill()}; after a client closes, it drops asynchronously (await it).
	 * @return the number of open connections
	 */
	public int openConnections() {
		return this.openSockets.size();
	}

	/**
	 * Returns how many requests this server has answered.
	 * <p>
	 * Counts every request for which a reply line was produced (including {@code ERR}
	 * replies) over all lifetimes; the count is raised just before the reply is written,
	 * so a client that has read its reply sees it counted. {@code CLOSE} and requests cut
	 * short while being processed (for example a {@code SLOW} one interrupted by
	 * {@link #close()}) are not counted.
	 * @return the number of answered requests
	 */
	public long requests() {
		return this.requests.get();
	}

	/**
	 * Returns how many requests are being processed right now.
	 * <p>
	 * A request counts from the moment its line has been read until its reply has been
	 * produced (just before it is written); useful to await a {@code SLOW} request being
	 * "in flight" before {@link #kill()}.
	 * @return the number of requests in progress
	 */
	public int requestsInProgress() {
		return this.requestsInProgress.get();
	}

	/**
	 * Kills the server for good and stops its threads.
	 * <p>
	 * Same as {@link #kill()}, then interrupts the connection-handling threads and waits
	 * briefly for them to end. Idempotent; {@link #restart()} is not possible afterwards.
	 */
	@Override
	public void close() {
		this.lifecycleLock.lock();
		try {
			this.closed = true;
			kill();
			this.handlers.shutdownNow();
		}
		finally {
			this.lifecycleLock.unlock();
		}
		try {
			this.handlers.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Returns a description naming the port and whether the server runs.
	 * @return the description
	 */
	@Override
	public String toString() {
		return "LineServer[127.0.0.1:" + this.port + (running() ? ", running]" : ", killed]");
	}

	private static ServerSocket bind(int port) throws IOException {
		ServerSocket socket = new ServerSocket();
		try {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(LOOPBACK, port), BACKLOG);
			return socket;
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw ex;
		}
	}

	private void startAccepting(ServerSocket socket) {
		this.serverSocket = socket;
		Thread thread = new Thread(() -> acceptLoop(socket), "line-server-" + this.port + "-acceptor");
		thread.setDaemon(true);
		this.acceptor = thread;
		thread.start();
	}

	private void acceptLoop(ServerSocket listening) {
		while (true) {
			Socket client;
			try {
				client = listening.accept();
			}
			catch (IOException ex) {
				return;
			}
			this.connectionsAccepted.incrementAndGet();
			this.openSockets.add(client);
			if (listening.isClosed()) {
				// kill() raced with accept(): it may have missed this socket
				abort(client);
				return;
			}
			try {
				this.handlers.execute(() -> serve(client));
			}
			catch (RejectedExecutionException ex) {
				abort(client);
				return;
			}
		}
	}

	private void serve(Socket client) {
		this.serving.incrementAndGet();
		try (client) {
			client.setTcpNoDelay(true);
			BufferedReader in = new BufferedReader(
					new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
			Writer out = new BufferedWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				String reply;
				this.requestsInProgress.incrementAndGet();
				try {
					reply = answer(client, line);
				}
				finally {
					this.requestsInProgress.decrementAndGet();
				}
				if (reply == null) {
					return;
				}
				out.write(reply);
				out.write('\n');
				out.flush();
			}
		}
		catch (IOException ex) {
			// reset by the peer or killed: nothing to do but forget the connection
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.openSockets.remove(client);
			if (this.serving.decrementAndGet() == 0) {
				this.servingLock.lock();
				try {
					this.noneServing.signalAll();
				}
				finally {
					this.servingLock.unlock();
				}
			}
		}
	}

	/**
	 * Answers one request line; {@code null} means "close the connection without a reply"
	 * ({@code CLOSE}, or the connection was killed while the request was read). Side
	 * effects happen under the read lock and only while the connection is still open, so
	 * that nothing changes any more once {@link #kill()} has returned.
	 */
	private String answer(Socket client, String line) throws InterruptedException {
		String slowReply = null;
		if (line.startsWith("SLOW ")) {
			slowReply = slow(line);
		}
		this.killLock.readLock().lock();
		try {
			if (!this.openSockets.contains(client)) {
				return null;
			}
			String reply = (slowReply != null) ? slowReply : reply(line);
			if (reply != null) {
				// counted before writing, so a client that has read its reply sees it
				this.requests.incrementAndGet();
			}
			return reply;
		}
		finally {
			this.killLock.readLock().unlock();
		}
	}

	private static String slow(String line) throws InterruptedException {
		String[] parts = line.split(" ", 3);
		long millis;
		try {
			millis = Long.parseLong(parts[1]);
		}
		catch (NumberFormatException ex) {
			return "ERR malformed SLOW";
		}
		if (millis < 0) {
			return "ERR malformed SLOW";
		}
		// simulates a slow server, it does not wait for a condition
		TimeUnit.MILLISECONDS.sleep(millis);
		return (parts.length == 3) ? parts[2] : "";
	}

	private String reply(String line) {
		if (line.equals("PING")) {
			return "PONG";
		}
		if (line.equals("ECHO")) {
			return "";
		}
		if (line.startsWith("ECHO ")) {
			return line.substring("ECHO ".length());
		}
		if (line.equals("INCR")) {
			return Long.toString(this.counter.incrementAndGet());
		}
		if (line.equals("CLOSE")) {
			return null;
		}
		return "ERR unknown command";
	}

	private Thread newHandlerThread(Runnable task) {
		Thread thread = new Thread(task, "line-server-" + this.port + "-" + this.threadNumber.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	}

	private void abort(Socket client) {
		this.openSockets.remove(client);
		try {
			client.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// already closed
		}
		closeQuietly(client);
	}

	private static void joinQuietly(Thread thread) {
		try {
			thread.join(ACCEPTOR_JOIN_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// best effort
		}
	}

	private static InetAddress loopback() {
		try {
			return InetAddress.getByAddress("localhost", new byte[] { 127, 0, 0, 1 });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
