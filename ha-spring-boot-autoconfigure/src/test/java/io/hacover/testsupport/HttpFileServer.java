package io.hacover.testsupport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 * Its threads are named {@code http-file-server-<port>-...}; the life of the server is
 * {@link LoopbackServer}'s.
 */
public final class HttpFileServer extends LoopbackServer {

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final int MAX_LINE_LENGTH = 8 * 1024;

	private static final int MAX_HEADERS = 100;

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong rangeRequests = new AtomicLong();

	private final Path root;

	private volatile boolean ignoreRanges;

	private volatile boolean answer416;

	private volatile long bytesPerSecond;

	private HttpFileServer(Path root, int requestedPort) throws IOException {
		super("http-file-server", requestedPort);
		this.root = root.toAbsolutePath().normalize();
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
		return new HttpFileServer(root, port);
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
			return new URI("http", null, "127.0.0.1", port(), "/" + path, null, null);
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

	@Override
	protected void serve(Socket client) throws IOException, InterruptedException {
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
		return whileOpen(client, () -> {
			this.requests.incrementAndGet();
			if (range != null) {
				this.rangeRequests.incrementAndGet();
			}
			return true;
		}) != null;
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
