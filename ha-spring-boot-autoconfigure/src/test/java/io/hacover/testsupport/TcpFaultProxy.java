package io.hacover.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static io.hacover.testsupport.Sockets.abort;
import static io.hacover.testsupport.Sockets.closeQuietly;
import static io.hacover.testsupport.Sockets.loopback;

/**
 * A loopback TCP proxy that injects faults between a client and a real server.
 * <p>
 * Listens on an ephemeral port of 127.0.0.1 and forwards bytes both ways between each
 * accepted connection and a new connection to {@code 127.0.0.1:<target port>}. Each
 * direction of each connection is pumped by a reader thread and a writer thread (named
 * {@code tcp-fault-proxy-<port>-N}, daemon), joined by a bounded FIFO queue of chunks so
 * that {@link #latency(Duration) latency} delays chunks without reordering them.
 * <p>
 * An end of stream from one side is forwarded as an orderly shutdown of output to the
 * other side; the proxied connection is closed once both directions ended. A failure
 * (such as a reset) on either side aborts the whole proxied connection with
 * {@code SO_LINGER 0}, so the other side sees a reset too. When the target refuses the
 * connection, the accepted client connection is closed at once with {@code SO_LINGER 0}:
 * the client sees a reset or an end of stream on its first exchange, or even a
 * {@link java.net.SocketException} reset from its connect when the reset arrives before
 * the connect completed.
 * <p>
 * Faults: {@link #cutAll()}, {@link #refuseNew(boolean)}, {@link #blackHole(boolean)},
 * {@link #latency(Duration)} and {@link #retarget(int)}. All methods are thread-safe.
 */
public final class TcpFaultProxy implements AutoCloseable {

	private static final InetAddress LOOPBACK = loopback();

	private static final int BACKLOG = 256;

	private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

	private static final int CHUNK_SIZE = 8192;

	private static final int QUEUE_CAPACITY = 256;

	private static final long POLL_MILLIS = 100;

	private static final long ACCEPTOR_JOIN_MILLIS = 5_000;

	private final AtomicInteger connectionsAccepted = new AtomicInteger();

	private final AtomicInteger threadNumber = new AtomicInteger();

	private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final int port;

	private final ExecutorService pumps;

	private volatile int targetPort;

	private volatile Duration latency = Duration.ZERO;

	private volatile boolean blackHole;

	private volatile boolean closed;

	private volatile ServerSocket serverSocket;

	private volatile Thread acceptor;

	private TcpFaultProxy(int targetPort) throws IOException {
		this.targetPort = targetPort;
		ServerSocket socket = bind(0);
		this.port = socket.getLocalPort();
		this.pumps = Executors.newCachedThreadPool(this::newPumpThread);
		startAccepting(socket);
	}

	/**
	 * Starts a proxy to {@code 127.0.0.1:targetPort} on an ephemeral port of 127.0.0.1.
	 * <p>
	 * The proxy accepts connections when this method returns; the target need not be up
	 * (connections accepted while it is down are closed at once).
	 * @param targetPort the port of the server to forward to
	 * @return the running proxy
	 * @throws IOException if the listening port cannot be bound
	 */
	public static TcpFaultProxy start(int targetPort) throws IOException {
		checkPort(targetPort);
		return new TcpFaultProxy(targetPort);
	}

	/**
	 * Returns the port clients connect to.
	 * <p>
	 * Fixed for the lifetime of this proxy, including across {@link #refuseNew(boolean)}.
	 * @return the listening port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Returns the port new connections are forwarded to.
	 * @return the current target port
	 */
	public int targetPort() {
		return this.targetPort;
	}

	/**
	 * Returns how many client connections this proxy has accepted.
	 * <p>
	 * The total since start, including connections closed at once because the target was
	 * down and connections accepted into a {@link #blackHole(boolean) black hole}.
	 * @return the number of accepted connections
	 */
	public int connectionsAccepted() {
		return this.connectionsAccepted.get();
	}

	/**
	 * Returns how many proxied connections are currently open.
	 * <p>
	 * A connection counts from the moment it is set up towards the target (or into a
	 * black hole) until it is closed or aborted; changes asynchronously (await it).
	 * @return the number of open proxied connections
	 */
	public int openConnections() {
		return this.connections.size();
	}

	/**
	 * Cuts every proxied connection.
	 * <p>
	 * Closes both sides of every open proxied connection with {@code SO_LINGER 0}, so the
	 * client and the server see a reset; bytes still queued in the proxy are dropped. New
	 * connections are still accepted (unless {@link #refuseNew(boolean) refused}).
	 */
	public void cutAll() {
		for (ProxiedConnection connection : this.connections) {
			connection.abort();
		}
	}

	/**
	 * Refuses or accepts new connections.
	 * <p>
	 * {@code true} closes the listening socket, so connects to {@link #port()} are
	 * refused ({@link java.net.ConnectException}); open proxied connections keep working,
	 * but connections the kernel completed that the proxy had not yet accepted (still in
	 * the backlog) are reset. {@code false} binds {@link #port()} again (with
	 * {@code SO_REUSEADDR}) and accepts again; returns once the port accepts. Setting the
	 * current state again is a no-op.
	 * @param refuse whether to refuse new connections
	 * @throws IOException if the port cannot be bound again
	 * @throws IllegalStateException if the proxy is closed
	 */
	public void refuseNew(boolean refuse) throws IOException {
		this.lifecycleLock.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException("TcpFaultProxy on port " + this.port + " is closed");
			}
			if (refuse) {
				stopAccepting();
			}
			else if (!accepting()) {
				startAccepting(bind(this.port));
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Turns the black hole on or off.
	 * <p>
	 * {@code true} keeps every connection open but silently drops every byte in both
	 * directions (including bytes already queued for delayed delivery); new connections
	 * are still accepted and go nowhere, so clients see read timeouts. New connections
	 * are still connected to the target when it is up (and are held open as pure sinks
	 * when it is down). {@code false} resumes forwarding for data read afterwards; bytes
	 * dropped meanwhile are lost. Ends of stream and resets are still propagated while
	 * the black hole is on.
	 * @param on whether to drop all bytes
	 */
	public void blackHole(boolean on) {
		this.blackHole = on;
	}

	/**
	 * Sets the delay applied to every forwarded chunk.
	 * <p>
	 * Each chunk read after this call is written to the other side no earlier than the
	 * given duration after it was read; order is preserved. {@link Duration#ZERO} turns
	 * latency off.
	 * @param latency the delay per chunk, not negative
	 */
	public void latency(Duration latency) {
		Objects.requireNonNull(latency, "latency must not be null");
		if (latency.isNegative()) {
			throw new IllegalArgumentException("latency must not be negative");
		}
		this.latency = latency;
	}

	/**
	 * Sends new connections to another target port on 127.0.0.1.
	 * <p>
	 * Connections already proxied stay with their current target.
	 * @param targetPort the new target port
	 */
	public void retarget(int targetPort) {
		checkPort(targetPort);
		this.targetPort = targetPort;
	}

	/**
	 * Closes the proxy and everything it holds.
	 * <p>
	 * Closes the listening socket, aborts every proxied connection as {@link #cutAll()}
	 * does, stops the pump threads and waits briefly for them. Idempotent.
	 */
	@Override
	public void close() {
		this.lifecycleLock.lock();
		try {
			this.closed = true;
			stopAccepting();
			cutAll();
			this.pumps.shutdownNow();
		}
		finally {
			this.lifecycleLock.unlock();
		}
		try {
			this.pumps.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Returns a description naming the listening and the target port.
	 * @return the description
	 */
	@Override
	public String toString() {
		return "TcpFaultProxy[127.0.0.1:" + this.port + " -> 127.0.0.1:" + this.targetPort + "]";
	}

	private boolean accepting() {
		ServerSocket socket = this.serverSocket;
		return socket != null && !socket.isClosed();
	}

	private void startAccepting(ServerSocket socket) {
		this.serverSocket = socket;
		Thread thread = new Thread(() -> acceptLoop(socket), "tcp-fault-proxy-" + this.port + "-acceptor");
		thread.setDaemon(true);
		this.acceptor = thread;
		thread.start();
	}

	private void stopAccepting() {
		ServerSocket socket = this.serverSocket;
		if (socket != null) {
			closeQuietly(socket);
		}
		Thread accepting = this.acceptor;
		if (accepting != null && accepting != Thread.currentThread()) {
			try {
				accepting.join(ACCEPTOR_JOIN_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
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
			try {
				this.pumps.execute(() -> open(client));
			}
			catch (RejectedExecutionException ex) {
				abort(client);
				return;
			}
		}
	}

	private void open(Socket client) {
		Socket upstream = new Socket();
		try {
			client.setTcpNoDelay(true);
			upstream.setTcpNoDelay(true);
			upstream.connect(new InetSocketAddress(LOOPBACK, this.targetPort), CONNECT_TIMEOUT_MILLIS);
		}
		catch (IOException ex) {
			closeQuietly(upstream);
			if (!this.blackHole || client.isClosed()) {
				abort(client);
				return;
			}
			upstream = null;
		}
		ProxiedConnection connection = new ProxiedConnection(client, upstream);
		this.connections.add(connection);
		if (this.closed) {
			// close() raced with this set-up: it may have missed this connection
			connection.abort();
			return;
		}
		try {
			connection.start();
		}
		catch (RejectedExecutionException ex) {
			connection.abort();
		}
	}

	private Thread newPumpThread(Runnable task) {
		Thread thread = new Thread(task, "tcp-fault-proxy-" + this.port + "-" + this.threadNumber.incrementAndGet());
		thread.setDaemon(true);
		return thread;
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

	private static void checkPort(int port) {
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
	}

	/**
	 * One accepted client connection and its connection to the target.
	 * <p>
	 * The upstream socket is {@code null} for a connection accepted into a black hole
	 * while the target was down; such a connection only drains the client.
	 */
	private final class ProxiedConnection {

		private final Socket client;

		private final Socket upstream;

		private final AtomicBoolean closed = new AtomicBoolean();

		private final AtomicInteger endedDirections = new AtomicInteger();

		ProxiedConnection(Socket client, Socket upstream) {
			this.client = client;
			this.upstream = upstream;
		}

		/**
		 * Starts the pump threads of both directions.
		 */
		void start() {
			if (this.upstream == null) {
				TcpFaultProxy.this.pumps.execute(this::drainClient);
				return;
			}
			new Pipe(this.client, this.upstream).start();
			new Pipe(this.upstream, this.client).start();
		}

		/**
		 * Closes both sockets with {@code SO_LINGER 0}; idempotent.
		 */
		void abort() {
			if (this.closed.compareAndSet(false, true)) {
				TcpFaultProxy.this.connections.remove(this);
				Sockets.abort(this.client);
				Sockets.abort(this.upstream);
			}
		}

		/**
		 * Records that one direction forwarded its end of stream; closes the connection
		 * in an orderly way once both did.
		 */
		void directionEnded() {
			if (this.endedDirections.incrementAndGet() == 2 && this.closed.compareAndSet(false, true)) {
				TcpFaultProxy.this.connections.remove(this);
				closeQuietly(this.client);
				closeQuietly(this.upstream);
			}
		}

		boolean isClosed() {
			return this.closed.get();
		}

		private void drainClient() {
			byte[] buffer = new byte[CHUNK_SIZE];
			try {
				InputStream in = this.client.getInputStream();
				while (in.read(buffer) >= 0) {
					// a black hole: nowhere to forward to
				}
				if (this.closed.compareAndSet(false, true)) {
					TcpFaultProxy.this.connections.remove(this);
					closeQuietly(this.client);
				}
			}
			catch (IOException ex) {
				abort();
			}
		}

		/**
		 * One direction of a proxied connection: a reader thread that queues chunks and a
		 * writer thread that delivers them once due.
		 */
		private final class Pipe {

			private final Socket from;

			private final Socket to;

			private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);

			Pipe(Socket from, Socket to) {
				this.from = from;
				this.to = to;
			}

			/**
			 * Starts the reader and the writer thread.
			 */
			void start() {
				TcpFaultProxy.this.pumps.execute(this::read);
				TcpFaultProxy.this.pumps.execute(this::write);
			}

			private void read() {
				byte[] buffer = new byte[CHUNK_SIZE];
				try {
					InputStream in = this.from.getInputStream();
					while (!isClosed()) {
						int count = in.read(buffer);
						if (count < 0) {
							enqueue(Chunk.END_OF_STREAM);
							return;
						}
						if (TcpFaultProxy.this.blackHole) {
							continue;
						}
						long due = System.nanoTime() + TcpFaultProxy.this.latency.toNanos();
						enqueue(new Chunk(Arrays.copyOf(buffer, count), due));
					}
				}
				catch (IOException ex) {
					abort();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					abort();
				}
			}

			private void enqueue(Chunk chunk) throws InterruptedException {
				while (!isClosed()) {
					if (this.queue.offer(chunk, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
						return;
					}
				}
			}

			private void write() {
				try {
					OutputStream out = this.to.getOutputStream();
					while (!isClosed()) {
						Chunk chunk = this.queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
						if (chunk == null) {
							continue;
						}
						if (chunk.isEndOfStream()) {
							this.to.shutdownOutput();
							directionEnded();
							return;
						}
						long wait = chunk.due() - System.nanoTime();
						if (wait > 0) {
							// simulates network latency, it does not wait for a condition
							TimeUnit.NANOSECONDS.sleep(wait);
						}
						if (TcpFaultProxy.this.blackHole || isClosed()) {
							continue;
						}
						out.write(chunk.data());
						out.flush();
					}
				}
				catch (IOException ex) {
					abort();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					abort();
				}
			}

		}

	}

	/**
	 * A chunk of bytes read from one side, due for delivery at {@code due} (in
	 * {@link System#nanoTime()} terms); {@link #END_OF_STREAM} marks an end of stream.
	 */
	private record Chunk(byte[] data, long due) {

		static final Chunk END_OF_STREAM = new Chunk(null, 0);

		boolean isEndOfStream() {
			return this.data == null;
		}

	}

}
