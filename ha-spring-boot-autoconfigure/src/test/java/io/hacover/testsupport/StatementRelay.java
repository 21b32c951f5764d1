package io.hacover.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.hacover.testsupport.Sockets.abort;
import static io.hacover.testsupport.Sockets.closeQuietly;
import static io.hacover.testsupport.Sockets.loopback;

/**
 * A loopback TCP relay that cuts one connection at an exact statement, to make in-doubt
 * cases exactly (J10): it lets the statement reach the server and cuts the connection
 * before any byte of the reply, or cuts it before the statement is sent.
 * <p>
 * Listens on an ephemeral port of 127.0.0.1 and relays each accepted connection to a new
 * connection to {@code 127.0.0.1:<target port>}, one daemon thread per direction (named
 * {@code statement-relay-<port>-N}) that writes each chunk it read (at most 8 KiB) before
 * it reads the next. Until {@link #arm(String, CutPoint) armed} it changes nothing:
 * bytes, ends of stream (forwarded as an orderly shutdown of output) and failures (which
 * abort both sides) pass as through {@link TcpFaultProxy}, without its faults.
 * <p>
 * An armed {@link Cut} fires once, on the first chunk a client sends on any connection
 * whose bytes, together with the end of that connection's previous chunks, contain the
 * pattern; then it disarms. Only the client-to-server direction is matched, byte for
 * byte.
 * <p>
 * Caveat: a cut acts on the chunk, not on protocol messages. pgjdbc writes the messages
 * of one execution (Parse, Bind, Execute, Sync; or a simple Query) and flushes once, so a
 * statement of a few KiB arrives in one chunk; but the chunk also holds whatever else the
 * client wrote with it (pgjdbc's {@code BEGIN} in front of the first statement of a
 * transaction, or every statement of a batch), and a statement longer than 8 KiB spans
 * chunks, so that {@link CutPoint#AFTER_SERVER_RECEIVES} would deliver only its start.
 */
public final class StatementRelay implements AutoCloseable {

	private static final InetAddress LOOPBACK = loopback();

	private static final int BACKLOG = 256;

	private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

	private static final int CHUNK_SIZE = 8192;

	private static final int MAX_PATTERN_LENGTH = CHUNK_SIZE;

	private final AtomicReference<Cut> armed = new AtomicReference<>();

	private final AtomicInteger connectionsAccepted = new AtomicInteger();

	private final AtomicInteger threadNumber = new AtomicInteger();

	private final Set<RelayedConnection> connections = ConcurrentHashMap.newKeySet();

	private final ServerSocket serverSocket;

	private final int targetPort;

	private final ExecutorService pumps;

	private volatile boolean closed;

	private StatementRelay(int targetPort) throws IOException {
		this.targetPort = targetPort;
		this.serverSocket = bind();
		this.pumps = Executors.newCachedThreadPool(this::newPumpThread);
		Thread acceptor = new Thread(this::acceptLoop, "statement-relay-" + port() + "-acceptor");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/**
	 * Starts a relay to {@code 127.0.0.1:targetPort} on an ephemeral port of 127.0.0.1,
	 * unarmed.
	 * <p>
	 * The relay accepts connections when this method returns; a connection accepted while
	 * the target is down is closed at once with {@code SO_LINGER 0}.
	 * @param targetPort the port of the server to relay to
	 * @return the running relay
	 * @throws IOException if the listening port cannot be bound
	 */
	public static StatementRelay start(int targetPort) throws IOException {
		if (targetPort < 1 || targetPort > 65535) {
			throw new IllegalArgumentException("port out of range: " + targetPort);
		}
		return new StatementRelay(targetPort);
	}

	/**
	 * Returns the port clients connect to.
	 * @return the listening port
	 */
	public int port() {
		return this.serverSocket.getLocalPort();
	}

	/**
	 * Returns how many client connections this relay has accepted; the first is
	 * connection number 1 (see {@link CutConnection#number()}).
	 * @return the number of accepted connections
	 */
	public int connectionsAccepted() {
		return this.connectionsAccepted.get();
	}

	/**
	 * Arms a one-shot cut at the first chunk a client sends that contains the UTF-8 bytes
	 * of the statement text, for example {@code "insert into t values (42)"} or
	 * {@code "COMMIT"} (pgjdbc sends the text as written, in a Parse or a Query message).
	 * @param statement the text to match, case-sensitive
	 * @param point where to cut
	 * @return the armed cut
	 * @throws IllegalStateException if another cut is armed and has not fired
	 */
	public Cut arm(String statement, CutPoint point) {
		Objects.requireNonNull(statement, "statement must not be null");
		return arm(statement.getBytes(StandardCharsets.UTF_8), point);
	}

	/**
	 * Arms a one-shot cut at the first chunk a client sends that contains the pattern.
	 * <p>
	 * The pattern is matched also when it straddles two reads. It applies to connections
	 * already open and to new ones; once it fired, it is disarmed and every connection
	 * passes everything through again.
	 * @param pattern the bytes to match, 1 to 8192 of them (copied)
	 * @param point where to cut
	 * @return the armed cut
	 * @throws IllegalStateException if another cut is armed and has not fired
	 */
	public Cut arm(byte[] pattern, CutPoint point) {
		Objects.requireNonNull(pattern, "pattern must not be null");
		Objects.requireNonNull(point, "point must not be null");
		if (pattern.length == 0 || pattern.length > MAX_PATTERN_LENGTH) {
			throw new IllegalArgumentException(
					"pattern must have 1 to " + MAX_PATTERN_LENGTH + " bytes, has " + pattern.length);
		}
		Cut cut = new Cut(pattern.clone(), point);
		Cut pending = this.armed.compareAndExchange(null, cut);
		if (pending != null) {
			throw new IllegalStateException(
					this + ": " + pending + " is still armed; wait until it fired or disarm() it before arming " + cut);
		}
		return cut;
	}

	/**
	 * Disarms the cut that is armed and has not fired, if any; it will not fire.
	 */
	public void disarm() {
		this.armed.set(null);
	}

	/**
	 * Closes the relay: closes the listening socket, aborts every relayed connection with
	 * {@code SO_LINGER 0} and stops the pump threads, waiting briefly for them.
	 * Idempotent.
	 */
	@Override
	public void close() {
		this.closed = true;
		closeQuietly(this.serverSocket);
		for (RelayedConnection connection : this.connections) {
			connection.abort();
		}
		this.pumps.shutdownNow();
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
		return "StatementRelay[127.0.0.1:" + port() + " -> 127.0.0.1:" + this.targetPort + "]";
	}

	private void acceptLoop() {
		while (true) {
			Socket client;
			try {
				client = this.serverSocket.accept();
			}
			catch (IOException ex) {
				return;
			}
			int number = this.connectionsAccepted.incrementAndGet();
			try {
				this.pumps.execute(() -> open(client, number));
			}
			catch (RejectedExecutionException ex) {
				abort(client);
				return;
			}
		}
	}

	private void open(Socket client, int number) {
		Socket upstream = new Socket();
		try {
			client.setTcpNoDelay(true);
			upstream.setTcpNoDelay(true);
			upstream.connect(new InetSocketAddress(LOOPBACK, this.targetPort), CONNECT_TIMEOUT_MILLIS);
		}
		catch (IOException ex) {
			closeQuietly(upstream);
			abort(client);
			return;
		}
		RelayedConnection connection = new RelayedConnection(number, client, upstream);
		this.connections.add(connection);
		if (this.closed) {
			// close() raced with this set-up: it may have missed this connection
			connection.abort();
			return;
		}
		try {
			this.pumps.execute(connection::relayClientToServer);
			this.pumps.execute(connection::relayServerToClient);
		}
		catch (RejectedExecutionException ex) {
			connection.abort();
		}
	}

	private Thread newPumpThread(Runnable task) {
		Thread thread = new Thread(task, "statement-relay-" + port() + "-" + this.threadNumber.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	}

	private static ServerSocket bind() throws IOException {
		ServerSocket socket = new ServerSocket();
		try {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(LOOPBACK, 0), BACKLOG);
			return socket;
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw ex;
		}
	}

	/**
	 * Where a {@link Cut} cuts the connection whose chunk matched.
	 */
	public enum CutPoint {

		/**
		 * Closes both sides without forwarding the chunk that contains the pattern: the
		 * statement provably never reached the server (bytes of a pattern that straddles
		 * two reads that were in the earlier read did reach it, as an incomplete message
		 * the server does not run).
		 */
		BEFORE_SEND,

		/**
		 * Forwards the chunk that contains the pattern to the server, then closes both
		 * sides before forwarding any byte of the server's reply: the in-doubt case. The
		 * server receives the whole chunk ahead of an orderly end of stream and runs what
		 * it holds before it notices the end.
		 */
		AFTER_SERVER_RECEIVES

	}

	/**
	 * The relayed connection a {@link Cut} fired on.
	 *
	 * @param number the connection's number in the order the relay accepted them, from 1
	 * @param clientPortAtServer the port of the relay's socket towards the server: the
	 * client port the server sees, as {@link PostgresServer#clientPort} returns it for
	 * the connection
	 */
	public record CutConnection(int number, int clientPortAtServer) {

	}

	/**
	 * A one-shot cut armed on a {@link StatementRelay}; tells whether and where it fired.
	 * Thread-safe.
	 */
	public static final class Cut {

		private final byte[] pattern;

		private final CutPoint point;

		private final CountDownLatch done = new CountDownLatch(1);

		private volatile CutConnection connection;

		private Cut(byte[] pattern, CutPoint point) {
			this.pattern = pattern;
			this.point = point;
		}

		/**
		 * Returns where this cut cuts.
		 * @return the cut point
		 */
		public CutPoint point() {
			return this.point;
		}

		/**
		 * Returns whether this cut has fired: both sides of the matched connection are
		 * closed (for {@link CutPoint#AFTER_SERVER_RECEIVES}, after the chunk was written
		 * to the server).
		 * @return whether it fired
		 */
		public boolean fired() {
			return this.done.getCount() == 0;
		}

		/**
		 * Waits until this cut has fired, at most the timeout.
		 * @param timeout how long to wait
		 * @return the connection it fired on
		 * @throws InterruptedException if interrupted while waiting
		 * @throws IllegalStateException if it did not fire within the timeout
		 */
		public CutConnection awaitFired(Duration timeout) throws InterruptedException {
			if (!this.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
				throw new IllegalStateException(this + " did not fire within " + timeout
						+ "; check that the client sends the pattern through the relay's port, byte for byte");
			}
			return this.connection;
		}

		/**
		 * Returns a description naming the point and the pattern (as UTF-8 text).
		 * @return the description
		 */
		@Override
		public String toString() {
			return "cut " + this.point + " of \"" + new String(this.pattern, StandardCharsets.UTF_8) + "\"";
		}

		/**
		 * Returns whether the chunk contains the pattern, also when the pattern starts in
		 * the recent bytes before it; a match always ends in the chunk.
		 */
		private boolean matches(byte[] recent, byte[] chunk, int count) {
			int carried = Math.min(recent.length, this.pattern.length - 1);
			byte[] window = new byte[carried + count];
			System.arraycopy(recent, recent.length - carried, window, 0, carried);
			System.arraycopy(chunk, 0, window, carried, count);
			for (int start = 0; start + this.pattern.length <= window.length; start++) {
				if (Arrays.equals(window, start, start + this.pattern.length, this.pattern, 0, this.pattern.length)) {
					return true;
				}
			}
			return false;
		}

		private void fired(CutConnection on) {
			this.connection = on;
			this.done.countDown();
		}

	}

	/**
	 * One accepted client connection and its connection to the target.
	 */
	private final class RelayedConnection {

		private final int number;

		private final Socket client;

		private final Socket upstream;

		private final AtomicBoolean closed = new AtomicBoolean();

		private final AtomicInteger endedDirections = new AtomicInteger();

		/**
		 * Set before a cut's chunk goes to the server: from then on the server-to-client
		 * pump drops what it reads, so no reply can race past the cut.
		 */
		private volatile boolean cut;

		private byte[] recent = new byte[0];

		RelayedConnection(int number, Socket client, Socket upstream) {
			this.number = number;
			this.client = client;
			this.upstream = upstream;
		}

		void relayClientToServer() {
			byte[] buffer = new byte[CHUNK_SIZE];
			try {
				InputStream in = this.client.getInputStream();
				OutputStream out = this.upstream.getOutputStream();
				while (true) {
					int count = in.read(buffer);
					if (count < 0) {
						this.upstream.shutdownOutput();
						directionEnded();
						return;
					}
					Cut armedCut = StatementRelay.this.armed.get();
					if (armedCut != null && armedCut.matches(this.recent, buffer, count)
							&& StatementRelay.this.armed.compareAndSet(armedCut, null)) {
						cut(armedCut, out, buffer, count);
						return;
					}
					remember(buffer, count);
					out.write(buffer, 0, count);
					out.flush();
				}
			}
			catch (IOException ex) {
				abort();
			}
		}

		void relayServerToClient() {
			byte[] buffer = new byte[CHUNK_SIZE];
			try {
				InputStream in = this.upstream.getInputStream();
				OutputStream out = this.client.getOutputStream();
				while (true) {
					int count = in.read(buffer);
					if (count < 0) {
						this.client.shutdownOutput();
						directionEnded();
						return;
					}
					if (this.cut) {
						return;
					}
					out.write(buffer, 0, count);
					out.flush();
				}
			}
			catch (IOException ex) {
				abort();
			}
		}

		/**
		 * Closes both sockets with {@code SO_LINGER 0}; idempotent.
		 */
		void abort() {
			if (this.closed.compareAndSet(false, true)) {
				StatementRelay.this.connections.remove(this);
				Sockets.abort(this.client);
				Sockets.abort(this.upstream);
			}
		}

		private void cut(Cut armedCut, OutputStream out, byte[] chunk, int count) throws IOException {
			this.cut = true;
			if (armedCut.point() == CutPoint.AFTER_SERVER_RECEIVES) {
				out.write(chunk, 0, count);
				out.flush();
			}
			CutConnection on = new CutConnection(this.number, this.upstream.getLocalPort());
			if (this.closed.compareAndSet(false, true)) {
				StatementRelay.this.connections.remove(this);
				// an orderly end of stream behind the chunk: SO_LINGER 0 could drop it
				// unsent
				this.upstream.shutdownOutput();
				closeQuietly(this.upstream);
				Sockets.abort(this.client);
			}
			armedCut.fired(on);
		}

		private void directionEnded() {
			if (this.endedDirections.incrementAndGet() == 2 && this.closed.compareAndSet(false, true)) {
				StatementRelay.this.connections.remove(this);
				closeQuietly(this.client);
				closeQuietly(this.upstream);
			}
		}

		private void remember(byte[] chunk, int count) {
			int keep = Math.min(MAX_PATTERN_LENGTH - 1, this.recent.length + count);
			int fromChunk = Math.min(count, keep);
			int fromRecent = keep - fromChunk;
			byte[] next = new byte[keep];
			System.arraycopy(this.recent, this.recent.length - fromRecent, next, 0, fromRecent);
			System.arraycopy(chunk, count - fromChunk, next, fromRecent, fromChunk);
			this.recent = next;
		}

	}

}
