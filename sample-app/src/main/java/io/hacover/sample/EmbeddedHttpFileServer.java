package io.hacover.sample;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.util.FileSystemUtils;

/**
 * A small HTTP/1.1 file server on 127.0.0.1 that the examples kill and restart while a
 * client reads a file through it: the "remote file system" behind an HA channel. It
 * serves the regular files of one directory at {@code http://127.0.0.1:<port>/<name>}:
 * <ul>
 * <li>{@code GET} answers {@code 200} with the whole file, or with
 * {@code Range: bytes=N-} (or {@code N-M}) {@code 206} with {@code Content-Range}; a
 * range that starts at or past the end answers {@code 416};</li>
 * <li>{@code HEAD} answers {@code 200} with {@code Content-Length} and no body;</li>
 * <li>a missing file answers {@code 404}, any other method {@code 405}.</li>
 * </ul>
 * Connections are kept alive; one thread per connection. Bodies are written in chunks of
 * 64 KiB, flushed one by one, so that {@link #kill()} cuts a body in transfer.
 * <p>
 * A demo prop, not a library: {@link #kill()} drops the server the way a crash does
 * (clients see a connection reset), {@link #restart()} brings it back on the same port.
 */
public final class EmbeddedHttpFileServer extends EmbeddedTcpServer {

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final int MAX_LINE_LENGTH = 8 * 1024;

	private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");

	private final Path root;

	private final boolean temporary;

	private EmbeddedHttpFileServer(Path root, boolean temporary) {
		super("http-file-server");
		this.root = root.toAbsolutePath().normalize();
		this.temporary = temporary;
	}

	/**
	 * Starts a server for the files of a directory on a port of 127.0.0.1.
	 * @param root the directory whose files are served
	 * @param port the port, 0 for a free one
	 * @return the server, accepting connections
	 * @throws IOException if the port cannot be bound
	 */
	public static EmbeddedHttpFileServer start(Path root, int port) throws IOException {
		if (!Files.isDirectory(root)) {
			throw new IllegalArgumentException("not a directory: " + root);
		}
		EmbeddedHttpFileServer server = new EmbeddedHttpFileServer(root, false);
		server.listen(port);
		return server;
	}

	/**
	 * Starts a server for the given files, written to a temporary directory of their own
	 * that {@link #close()} deletes.
	 * @param files the content of each file, by name
	 * @param port the port, 0 for a free one
	 * @return the server, accepting connections
	 * @throws IOException if the files cannot be written or the port cannot be bound
	 */
	public static EmbeddedHttpFileServer serving(Map<String, byte[]> files, int port) throws IOException {
		Path root = Files.createTempDirectory("hacover-sample-files-");
		try {
			for (Map.Entry<String, byte[]> file : files.entrySet()) {
				Files.write(root.resolve(file.getKey()), file.getValue());
			}
			EmbeddedHttpFileServer server = new EmbeddedHttpFileServer(root, true);
			server.listen(port);
			return server;
		}
		catch (IOException | RuntimeException ex) {
			FileSystemUtils.deleteRecursively(root);
			throw ex;
		}
	}

	/**
	 * Returns the directory whose files are served.
	 * @return the directory
	 */
	public Path directory() {
		return this.root;
	}

	/**
	 * Returns the URI of a file of the served directory, the same across restarts.
	 * @param name the file's name in the directory
	 * @return {@code http://127.0.0.1:<port>/<name>}
	 */
	public URI uri(String name) {
		return URI.create("http://127.0.0.1:" + port() + "/" + name);
	}

	/**
	 * Stops the server for good, as {@link #kill()} does, and deletes the directory of a
	 * server started by {@link #serving(Map, int)}.
	 */
	@Override
	public void close() {
		super.close();
		if (this.temporary) {
			try {
				FileSystemUtils.deleteRecursively(this.root);
			}
			catch (IOException ex) {
				// A temporary directory left behind does no harm.
			}
		}
	}

	@Override
	void serve(Socket client) throws IOException {
		// Little sent ahead of the reader, so that a kill cuts the body close to it.
		client.setSendBufferSize(CHUNK_SIZE);
		InputStream in = new BufferedInputStream(client.getInputStream());
		OutputStream out = new BufferedOutputStream(client.getOutputStream(), CHUNK_SIZE);
		boolean keepAlive = true;
		while (keepAlive) {
			keepAlive = answer(readLine(in), in, out);
			out.flush();
		}
	}

	/**
	 * Answers the request that starts with the given request line; returns whether the
	 * connection may serve another one.
	 */
	private boolean answer(String requestLine, InputStream in, OutputStream out) throws IOException {
		Map<String, String> headers = new HashMap<>();
		for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
			int colon = line.indexOf(':');
			if (colon > 0) {
				headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
		}
		String[] parts = requestLine.split(" ");
		String length = headers.getOrDefault("content-length", "0");
		if (parts.length != 3 || !parts[2].startsWith("HTTP/1.") || !length.matches("\\d{1,18}")
				|| headers.containsKey("transfer-encoding")) {
			head(out, "400 Bad Request", 0, Map.of("Connection", "close"));
			return false;
		}
		in.skipNBytes(Long.parseLong(length));
		boolean get = parts[0].equals("GET");
		if (!get && !parts[0].equals("HEAD")) {
			head(out, "405 Method Not Allowed", 0, Map.of("Allow", "GET, HEAD", "Connection", "close"));
			return false;
		}
		boolean keepAlive = parts[2].equals("HTTP/1.1")
				&& !headers.getOrDefault("connection", "").equalsIgnoreCase("close");
		Path file = resolve(parts[1]);
		if (file == null) {
			head(out, "404 Not Found", 0, Map.of());
			return keepAlive;
		}
		long total = Files.size(file);
		Matcher range = RANGE.matcher(headers.getOrDefault("range", ""));
		// A range that is not bytes=N- or bytes=N-M with M >= N is ignored, as RFC 9110
		// allows.
		if (!get || !range.matches()
				|| (!range.group(2).isEmpty() && Long.parseLong(range.group(2)) < Long.parseLong(range.group(1)))) {
			head(out, "200 OK", total, Map.of("Accept-Ranges", "bytes"));
			if (get) {
				body(out, file, 0, total);
			}
			return keepAlive;
		}
		long first = Long.parseLong(range.group(1));
		long last = range.group(2).isEmpty() ? total - 1 : Math.min(Long.parseLong(range.group(2)), total - 1);
		if (first >= total) {
			head(out, "416 Range Not Satisfiable", 0, Map.of("Content-Range", "bytes */" + total));
			return keepAlive;
		}
		head(out, "206 Partial Content", last - first + 1,
				Map.of("Content-Range", "bytes " + first + "-" + last + "/" + total, "Accept-Ranges", "bytes"));
		body(out, file, first, last - first + 1);
		return keepAlive;
	}

	/**
	 * Resolves a request target to a regular file of the served directory, or
	 * {@code null}.
	 */
	private Path resolve(String target) {
		try {
			String path = URI.create(target).getPath();
			if (path == null || !path.startsWith("/")) {
				return null;
			}
			Path file = this.root.resolve(path.substring(1)).normalize();
			return (file.startsWith(this.root) && Files.isRegularFile(file)) ? file : null;
		}
		catch (IllegalArgumentException ex) {
			// Not a URI, or not a path (InvalidPathException).
			return null;
		}
	}

	private static void head(OutputStream out, String status, long length, Map<String, String> headers)
			throws IOException {
		StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
		head.append("Content-Length: ").append(length).append("\r\n");
		headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
		out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
	}

	private static void body(OutputStream out, Path file, long offset, long length) throws IOException {
		out.flush();
		try (InputStream in = Files.newInputStream(file)) {
			in.skipNBytes(offset);
			byte[] chunk = new byte[CHUNK_SIZE];
			for (long remaining = length; remaining > 0;) {
				int size = (int) Math.min(remaining, CHUNK_SIZE);
				in.readNBytes(chunk, 0, size);
				out.write(chunk, 0, size);
				out.flush();
				remaining -= size;
			}
		}
	}

	/**
	 * Reads a line of a request head, without its line end.
	 */
	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = in.read(); b != '\n'; b = in.read()) {
			if (b < 0) {
				throw new EOFException("end of stream in a request head");
			}
			if (line.size() >= MAX_LINE_LENGTH) {
				throw new IOException("request line too long");
			}
			line.write(b);
		}
		String text = line.toString(StandardCharsets.ISO_8859_1);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

}
