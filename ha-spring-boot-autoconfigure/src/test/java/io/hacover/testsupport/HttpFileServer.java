package io.hacover.testsupport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A small, real HTTP/1.1 file server on 127.0.0.1 that tests can kill and restart on the
 * same port, for example while a client reads a file through it with {@code Range}
 * requests.
 * <p>
 * It serves the regular files under a root directory at
 * {@code http://127.0.0.1:<port>/<relative path>}:
 * <ul>
 * <li>{@code GET} without {@code Range} answers {@code 200} with {@code Content-Length}
 * and the whole file;</li>
 * <li>{@code GET} with {@code Range: bytes=N-} or {@code Range: bytes=N-M} answers
 * {@code 206} with {@code Content-Range: bytes N-M/total} and {@code Content-Length}
 * ({@code M} is clamped to the last byte); the suffix form {@code bytes=-N} (the last
 * {@code N} bytes) is understood too; a range starting at or past the end answers
 * {@code 416} with {@code Content-Range: bytes *}{@code /total}; a malformed or
 * multi-part {@code Range} is ignored ({@code 200}, whole file), as RFC 9110 allows;</li>
 * <li>{@code HEAD} answers {@code 200} with {@code Content-Length} and
 * {@code Accept-Ranges: bytes} and no body ({@code Range} is ignored);</li>
 * <li>a path that is not a regular file under the root answers {@code 404};</li>
 * <li>any other method answers {@code 405} (with {@code Allow: GET, HEAD}) and closes the
 * connection; a malformed request answers {@code 400} and closes the connection.</li>
 * </ul>
 * Connections are kept alive (HTTP/1.1) unless the client asks for
 * {@code Connection: close} or speaks HTTP/1.0. Bodies are written in chunks of at most
 * 64 KiB, flushed one by one, so that {@link #kill()} in the middle of a body cuts the
 * transfer.
 * <p>
 * Fault modes for tests of bad servers: {@link #ignoreRanges(boolean)},
 * {@link #answer416(boolean)} and {@link #throttle(long)}; they apply to requests whose
 * answer starts after the change and survive {@link #kill()} and {@link #restart()}.
 * <p>
 * Each accepted connection is served by its own daemon thread named
 * {@code http-file-server-<port>-N}; the accepting thread is named
 * {@code http-file-server-<port>-acceptor}. The listening socket uses
 * {@code SO_REUSEADDR} so that {@link #restart()} can bind the same port immediately
 * after {@link #kill()}.
 */
public final class HttpFileServer implements AutoCloseable {

	private static final InetAddress LOOPBACK = loopback();

	private static final int BACKLOG = 256;

	private static final long ACCEPTOR_JOIN_MILLIS = 5_000;

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final int MAX_LINE_LENGTH = 8 * 1024;

	private static final int MAX_HEADERS = 100;

	private final AtomicInteger connectionsAccepted = new AtomicInteger();

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong rangeRequests = new AtomicLong();

	private final AtomicInteger threadNumber = new AtomicInteger();

	private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final ReentrantReadWriteLock killLock = new ReentrantReadWriteLock();

	private final Path root;

	private final int port;

	private final ExecutorService handlers;

	private volatile ServerSocket serverSocket;

	private volatile Thread acceptor;

	private volatile boolean closed;

	private volatile boolean ignoreRanges;

	private volatile boolean answer416;

	private volatile long bytesPerSecond;

	private HttpFileServer(Path root, int requestedPort) throws IOException {
		this.root = root.toAbsolutePath().normalize();
		ServerSocket socket = bind(requestedPort);
		this.port = socket.getLocalPort();
		this.handlers = Executors.newCachedThreadPool(this::newHandlerThread);
		startAccepting(socket);
	}

	/**
	 * Starts a server for the files under {@code root} on an ephemeral port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns; use {@link #port()}
	 * or {@link #uri(String)} to address it.
	 * @param root the directory whose files are served
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 * @throws IllegalArgumentException if {@code root} is not a directory
	 */
	public static HttpFileServer start(Path root) throws IOException {
		return start(root, 0);
	}

	/**
	 * Starts a server for the files under {@code root} on the given port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns.
	 * @param root the directory whose files are served
	 * @param port the port to bind, {@code 0} for an ephemeral one
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 * @throws IllegalArgumentException if {@code root} is not a directory or the port is
	 * out of range
	 */
	public static HttpFileServer start(Path root, int port) throws IOException {
		if (root == null || !Files.isDirectory(root)) {
			throw new IllegalArgumentException("not a directory: " + root);
		}
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new HttpFileServer(root, port);
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
	 * Returns the URI under which this server serves the file at {@code relativePath}.
	 * <p>
	 * For example {@code uri("dir/data.bin")} is
	 * {@code http://127.0.0.1:<port>/dir/data.bin}; a leading {@code '/'} is ignored and
	 * characters that are not legal in a URI path are percent-encoded.
	 * @param relativePath the path of the file relative to the root, with {@code '/'}
	 * separators
	 * @return the URI
	 */
	public URI uri(String relativePath) {
		String path = relativePath.startsWith("/") ? relativePath.substring(1) : relativePath;
		try {
			return new URI("http", null, "127.0.0.1", this.port, "/" + path, null, null);
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("not a usable path: " + relativePath, ex);
		}
	}

	/**
	 * Sets whether the server ignores {@code Range} headers.
	 * <p>
	 * When {@code true}, every {@code GET} is answered with {@code 200} and the whole
	 * file, as servers without range support do, and {@code Accept-Ranges: none} is sent
	 * instead of {@code Accept-Ranges: bytes}. Takes precedence over
	 * {@link #answer416(boolean)}.
	 * @param ignore whether to ignore {@code Range} headers
	 */
	public void ignoreRanges(boolean ignore) {
		this.ignoreRanges = ignore;
	}

	/**
	 * Sets whether the server answers every ranged {@code GET} with {@code 416}.
	 * <p>
	 * When {@code true}, every {@code GET} of an existing file that carries a
	 * {@code Range} header is answered with {@code 416} and
	 * {@code Content-Range: bytes *}{@code /total}, even when the range is valid.
	 * {@code GET} without {@code Range} is unaffected.
	 * @param answer416 whether to refuse every range
	 */
	public void answer416(boolean answer416) {
		this.answer416 = answer416;
	}

	/**
	 * Paces the bodies of responses to about {@code bytesPerSecond} bytes per second per
	 * connection.
	 * <p>
	 * {@code 0} turns pacing off (the default). A body in progress adopts a new rate from
	 * its next chunk on.
	 * @param bytesPerSecond the rate, or {@code 0} for no pacing
	 * @throws IllegalArgumentException if the rate is negative
	 */
	public void throttle(long bytesPerSecond) {
		if (bytesPerSecond < 0) {
			throw new IllegalArgumentException("negative rate: " + bytesPerSecond);
		}
		this.bytesPerSecond = bytesPerSecond;
	}

	/**
	 * Kills the server abruptly.
	 * <p>
	 * Closes the listening socket, then closes every open client connection with
	 * {@code SO_LINGER 0} so that clients see a connection reset: a client reading a body
	 * gets an {@link IOException} before its end. Returns only once the listening socket
	 * is closed and the accepting thread has ended, so a connect to {@link #port()} is
	 * refused afterwards, and once no request of the killed connections can be counted
	 * any more. Connection-handling threads end on their own as their sockets fail.
	 * Idempotent; the counters and fault modes are kept.
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
		}
		finally {
			this.lifecycleLock.unlock();
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
				throw new IllegalStateException("HttpFileServer on port " + this.port + " is closed");
			}
			if (running()) {
				throw new IllegalStateException("HttpFileServer on port " + this.port + " is running");
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
	 * Returns how many requests this server has answered.
	 * <p>
	 * Counts every request for which a response was started (any status, including
	 * {@code 404}, {@code 405} and {@code 416}) over all lifetimes; the count is raised
	 * just before the response is written, so a client that has read a response sees it
	 * counted, and a response whose body a {@link #kill()} cut short is counted too.
	 * @return the number of answered requests
	 */
	public long requests() {
		return this.requests.get();
	}

	/**
	 * Returns how many of the {@link #requests() answered requests} were {@code GET}
	 * requests carrying a {@code Range} header.
	 * <p>
	 * Counted whatever the answer ({@code 206}, {@code 416}, {@code 404}, or {@code 200}
	 * when the range was ignored), over all lifetimes.
	 * @return the number of answered ranged requests
	 */
	public long rangeRequests() {
		return this.rangeRequests.get();
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
		return "HttpFileServer[127.0.0.1:" + this.port + (running() ? ", running]" : ", killed]");
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
		Thread thread = new Thread(() -> acceptLoop(socket), "http-file-server-" + this.port + "-acceptor");
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
		try (client) {
			client.setTcpNoDelay(true);
			InputStream in = new BufferedInputStream(client.getInputStream());
			OutputStream out = new BufferedOutputStream(client.getOutputStream(), CHUNK_SIZE);
			boolean keepAlive = true;
			while (keepAlive) {
				Request request;
				try {
					request = Request.read(in);
				}
				catch (MalformedRequestException ex) {
					if (count(client, null)) {
						writeHead(out, "400 Bad Request", 0, Map.of(), false);
						out.flush();
					}
					return;
				}
				if (request == null) {
					return;
				}
				keepAlive = respond(client, request, out);
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
		}
	}

	/**
	 * Answers one request; returns whether the connection may serve another one.
	 */
	private boolean respond(Socket client, Request request, OutputStream out) throws IOException, InterruptedException {
		boolean get = request.method.equals("GET");
		if (!get && !request.method.equals("HEAD")) {
			if (count(client, null)) {
				writeHead(out, "405 Method Not Allowed", 0, Map.of("Allow", "GET, HEAD"), false);
			}
			return false;
		}
		boolean keepAlive = request.keepAlive;
		String range = get ? request.headers.get("range") : null;
		Path file = resolve(request.target);
		if (file == null) {
			if (count(client, range)) {
				writeHead(out, "404 Not Found", 0, Map.of(), keepAlive);
			}
			return keepAlive;
		}
		long total;
		try {
			total = Files.size(file);
		}
		catch (IOException ex) {
			if (count(client, range)) {
				writeHead(out, "404 Not Found", 0, Map.of(), keepAlive);
			}
			return keepAlive;
		}
		boolean ignore = this.ignoreRanges;
		Map<String, String> headers = new HashMap<>();
		headers.put("Content-Type", "application/octet-stream");
		headers.put("Accept-Ranges", ignore ? "none" : "bytes");
		boolean ranged = range != null && !ignore;
		long[] span = ranged ? parseRange(range, total) : null;
		if (ranged && (this.answer416 || (span != null && span.length == 0))) {
			headers.put("Content-Range", "bytes */" + total);
			if (count(client, range)) {
				writeHead(out, "416 Range Not Satisfiable", 0, headers, keepAlive);
			}
			return keepAlive;
		}
		if (!count(client, range)) {
			return false;
		}
		if (!get) {
			writeHead(out, "200 OK", total, headers, keepAlive);
			return keepAlive;
		}
		if (span == null) {
			writeHead(out, "200 OK", total, headers, keepAlive);
			writeBody(out, file, 0, total);
		}
		else {
			long length = span[1] - span[0] + 1;
			headers.put("Content-Range", "bytes " + span[0] + "-" + span[1] + "/" + total);
			writeHead(out, "206 Partial Content", length, headers, keepAlive);
			writeBody(out, file, span[0], length);
		}
		return keepAlive;
	}

	/**
	 * Counts a request about to be answered, unless its connection was killed; returns
	 * whether to answer it. Done under the read lock so that nothing is counted any more
	 * once {@link #kill()} has returned.
	 */
	private boolean count(Socket client, String range) {
		this.killLock.readLock().lock();
		try {
			if (!this.openSockets.contains(client)) {
				return false;
			}
			this.requests.incrementAndGet();
			if (range != null) {
				this.rangeRequests.incrementAndGet();
			}
			return true;
		}
		finally {
			this.killLock.readLock().unlock();
		}
	}

	/**
	 * Parses a {@code Range} header: {@code null} if it is to be ignored (malformed,
	 * multi-part or not in bytes), an empty array if it is not satisfiable, otherwise the
	 * first and last byte positions.
	 */
	private static long[] parseRange(String header, long total) {
		String value = header.trim();
		if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
			return null;
		}
		String spec = value.substring(6).trim();
		int dash = spec.indexOf('-');
		if (dash < 0 || spec.indexOf(',') >= 0) {
			return null;
		}
		String first = spec.substring(0, dash).trim();
		String last = spec.substring(dash + 1).trim();
		try {
			if (first.isEmpty()) {
				long suffix = parseNonNegative(last);
				if (suffix == 0 || total == 0) {
					return new long[0];
				}
				return new long[] { Math.max(0, total - suffix), total - 1 };
			}
			long start = parseNonNegative(first);
			long end = last.isEmpty() ? Long.MAX_VALUE : parseNonNegative(last);
			if (end < start) {
				return null;
			}
			if (start >= total) {
				return new long[0];
			}
			return new long[] { start, Math.min(end, total - 1) };
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static long parseNonNegative(String digits) {
		if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
			throw new NumberFormatException(digits);
		}
		return Long.parseLong(digits);
	}

	/**
	 * Resolves a request target to a regular file under the root, or {@code null}.
	 */
	private Path resolve(String target) {
		String path;
		try {
			path = new URI(target).getPath();
		}
		catch (URISyntaxException ex) {
			return null;
		}
		if (path == null || !path.startsWith("/")) {
			return null;
		}
		try {
			Path file = this.root.resolve(path.substring(1)).normalize();
			if (!file.startsWith(this.root) || !Files.isRegularFile(file)) {
				return null;
			}
			return file;
		}
		catch (InvalidPathException ex) {
			return null;
		}
	}

	private static void writeHead(OutputStream out, String status, long contentLength, Map<String, String> headers,
			boolean keepAlive) throws IOException {
		StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
		head.append("Content-Length: ").append(contentLength).append("\r\n");
		headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
		if (!keepAlive) {
			head.append("Connection: close\r\n");
		}
		head.append("\r\n");
		out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
	}

	private void writeBody(OutputStream out, Path file, long offset, long length)
			throws IOException, InterruptedException {
		out.flush();
		byte[] chunk = new byte[CHUNK_SIZE];
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			channel.position(offset);
			long remaining = length;
			long paceRate = 0;
			long paceStart = 0;
			long paceSent = 0;
			while (remaining > 0) {
				long rate = this.bytesPerSecond;
				if (rate != paceRate) {
					paceRate = rate;
					paceStart = System.nanoTime();
					paceSent = 0;
				}
				int size = (int) Math.min(remaining, chunkSize(rate));
				ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, size);
				while (buffer.hasRemaining()) {
					if (channel.read(buffer) < 0) {
						// the file shrank: the promised length cannot be delivered
						throw new EOFException("file shrank while serving it: " + file);
					}
				}
				out.write(chunk, 0, size);
				out.flush();
				remaining -= size;
				paceSent += size;
				if (rate > 0) {
					pace(paceStart, paceSent, rate);
				}
			}
		}
	}

	private static long chunkSize(long rate) {
		if (rate <= 0) {
			return CHUNK_SIZE;
		}
		// about ten chunks a second, so that pacing is smooth
		return Math.max(1, Math.min(CHUNK_SIZE, rate / 10));
	}

	private static void pace(long start, long sent, long rate) throws InterruptedException {
		long due = start + (long) (sent * 1_000_000_000.0 / rate);
		long wait = due - System.nanoTime();
		if (wait > 0) {
			// simulates a slow server, it does not wait for a condition
			TimeUnit.NANOSECONDS.sleep(wait);
		}
	}

	private Thread newHandlerThread(Runnable task) {
		Thread thread = new Thread(task, "http-file-server-" + this.port + "-" + this.threadNumber.incrementAndGet());
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

	/**
	 * A parsed request head; a request body is read and discarded.
	 */
	private static final class Request {

		private final String method;

		private final String target;

		private final Map<String, String> headers;

		private final boolean keepAlive;

		private Request(String method, String target, Map<String, String> headers, boolean keepAlive) {
			this.method = method;
			this.target = target;
			this.headers = headers;
			this.keepAlive = keepAlive;
		}

		/**
		 * Reads the next request, or returns {@code null} at a clean end of stream.
		 */
		static Request read(InputStream in) throws IOException {
			String requestLine = readLine(in);
			while (requestLine != null && requestLine.isEmpty()) {
				// RFC 9112 allows empty lines before a request line
				requestLine = readLine(in);
			}
			if (requestLine == null) {
				return null;
			}
			String[] parts = requestLine.split(" ");
			if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
				throw new MalformedRequestException();
			}
			Map<String, String> headers = new HashMap<>();
			String line;
			while (!(line = requireLine(in)).isEmpty()) {
				int colon = line.indexOf(':');
				if (colon <= 0 || headers.size() >= MAX_HEADERS) {
					throw new MalformedRequestException();
				}
				headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
			if (headers.containsKey("transfer-encoding")) {
				throw new MalformedRequestException();
			}
			skipBody(in, headers.get("content-length"));
			String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
			boolean keepAlive = parts[2].equals("HTTP/1.1") && !connection.contains("close");
			return new Request(parts[0], parts[1], headers, keepAlive);
		}

		private static void skipBody(InputStream in, String contentLength) throws IOException {
			if (contentLength == null) {
				return;
			}
			long length;
			try {
				length = parseNonNegative(contentLength);
			}
			catch (NumberFormatException ex) {
				throw new MalformedRequestException();
			}
			for (long i = 0; i < length; i++) {
				if (in.read() < 0) {
					throw new EOFException("end of stream in a request body");
				}
			}
		}

		private static String requireLine(InputStream in) throws IOException {
			String line = readLine(in);
			if (line == null) {
				throw new EOFException("end of stream in a request head");
			}
			return line;
		}

		private static String readLine(InputStream in) throws IOException {
			ByteArrayOutputStream line = new ByteArrayOutputStream();
			int b;
			while ((b = in.read()) != '\n') {
				if (b < 0) {
					if (line.size() == 0) {
						return null;
					}
					throw new EOFException("end of stream in a request line");
				}
				if (line.size() >= MAX_LINE_LENGTH) {
					throw new MalformedRequestException();
				}
				line.write(b);
			}
			String text = line.toString(StandardCharsets.ISO_8859_1);
			return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
		}

	}

	/**
	 * Signals a request that cannot be parsed; answered with {@code 400}.
	 */
	private static final class MalformedRequestException extends IOException {

		private static final long serialVersionUID = 1L;

	}

}
