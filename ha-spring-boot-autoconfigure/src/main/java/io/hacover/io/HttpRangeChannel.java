package io.hacover.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hacover.core.StaleConnectionException;

/**
 * A read-only channel over a file served by HTTP: each run of sequential reads is one
 * {@code GET} with {@code Range: bytes=<position>-}, so that reading can resume at any
 * position after the server comes back.
 * <p>
 * A connection that fails, a body that ends early and a 5xx answer are stale errors
 * ({@link StaleConnectionException}); a missing file, a server that ignores the range or
 * refuses a valid one are ordinary errors with a message that says so, since reconnecting
 * cannot help.
 */
final class HttpRangeChannel implements SeekableByteChannel {

	private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

	private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");

	private final HttpClient client;

	private final URI uri;

	private final String where;

	private final Duration timeout;

	private InputStream body;

	private long position;

	private long size = -1;

	private boolean open = true;

	HttpRangeChannel(HttpClient client, URI uri, Duration timeout) {
		this.client = client;
		this.uri = uri;
		this.where = HaChannels.describe(uri);
		this.timeout = timeout;
	}

	@Override
	public int read(ByteBuffer dst) throws IOException {
		requireOpen();
		if (!dst.hasRemaining()) {
			return 0;
		}
		if (this.size >= 0 && this.position >= this.size) {
			return -1;
		}
		if (this.body == null && !request()) {
			return -1;
		}
		byte[] chunk = new byte[Math.min(dst.remaining(), 64 * 1024)];
		int read;
		try {
			read = this.body.read(chunk);
		}
		catch (IOException ex) {
			closeBody();
			throw new StaleConnectionException("reading " + this.where + " at byte " + this.position + " failed", ex);
		}
		if (read < 0) {
			closeBody();
			if (this.size >= 0 && this.position < this.size) {
				throw new StaleConnectionException(
						"the body of " + this.where + " ended at byte " + this.position + " of " + this.size, null);
			}
			return -1;
		}
		dst.put(chunk, 0, read);
		this.position += read;
		return read;
	}

	/**
	 * Sends the {@code GET} for the bytes from the current position on.
	 * @return {@code false} if the position is at or past the end of the file
	 */
	private boolean request() throws IOException {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.uri).timeout(this.timeout).GET();
		if (this.position > 0) {
			request.header("Range", "bytes=" + this.position + "-");
		}
		HttpResponse<InputStream> response = send(request.build());
		int status = response.statusCode();
		if (status == 206) {
			Matcher range = CONTENT_RANGE.matcher(header(response, "Content-Range"));
			if (!range.matches() || Long.parseLong(range.group(1)) != this.position) {
				response.body().close();
				throw new IOException("the server at " + this.where + " answered the range request for bytes "
						+ this.position + "- with Content-Range '" + header(response, "Content-Range")
						+ "'; it cannot resume reading there");
			}
			if (!"*".equals(range.group(3))) {
				this.size = Long.parseLong(range.group(3));
			}
			this.body = response.body();
			return true;
		}
		if (status == 200) {
			if (this.position > 0) {
				response.body().close();
				throw new IOException("the server at " + this.where + " ignored the range request for bytes "
						+ this.position + "- and answered 200 with the whole file; it cannot resume reading in the "
						+ "middle of the file: use a server that supports Range requests");
			}
			response.headers().firstValueAsLong("Content-Length").ifPresent((length) -> this.size = length);
			this.body = response.body();
			return true;
		}
		response.body().close();
		if (status == 416) {
			Matcher unsatisfied = UNSATISFIED_RANGE.matcher(header(response, "Content-Range"));
			if (unsatisfied.matches() && this.position >= Long.parseLong(unsatisfied.group(1))) {
				this.size = Long.parseLong(unsatisfied.group(1));
				return false;
			}
			throw new IOException("the server at " + this.where + " refused the range request for bytes "
					+ this.position + "- (416, Content-Range '" + header(response, "Content-Range")
					+ "') although it is inside the file; it cannot resume reading there");
		}
		if (status == 404 || status == 410) {
			throw new FileNotFoundException(this.where + ": the server answered " + status + " (no such file)");
		}
		if (status >= 500) {
			throw new StaleConnectionException("the server at " + this.where + " answered " + status, null);
		}
		throw new IOException("the server at " + this.where + " answered " + status + " to a GET");
	}

	private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
		try {
			return this.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
		}
		catch (HttpTimeoutException ex) {
			throw new StaleConnectionException("no answer from " + this.where + " within " + this.timeout, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new java.io.InterruptedIOException("interrupted while waiting for " + this.where);
		}
	}

	private static String header(HttpResponse<?> response, String name) {
		Optional<String> value = response.headers().firstValue(name);
		return value.orElse("");
	}

	@Override
	public int write(ByteBuffer src) {
		throw new NonWritableChannelException();
	}

	@Override
	public long position() {
		return this.position;
	}

	@Override
	public SeekableByteChannel position(long newPosition) throws IOException {
		requireOpen();
		if (newPosition < 0) {
			throw new IllegalArgumentException("position must not be negative: " + newPosition);
		}
		if (newPosition != this.position) {
			closeBody();
			this.position = newPosition;
		}
		return this;
	}

	/**
	 * Returns the size of the file, asking the server with a {@code HEAD} if no answer
	 * gave it yet.
	 */
	@Override
	public long size() throws IOException {
		requireOpen();
		if (this.size < 0) {
			HttpResponse<InputStream> response = send(HttpRequest.newBuilder(this.uri)
				.timeout(this.timeout)
				.method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build());
			response.body().close();
			if (response.statusCode() == 404 || response.statusCode() == 410) {
				throw new FileNotFoundException(this.where + ": the server answered " + response.statusCode());
			}
			if (response.statusCode() >= 500) {
				throw new StaleConnectionException("the server at " + this.where + " answered " + response.statusCode(),
						null);
			}
			this.size = response.headers()
				.firstValueAsLong("Content-Length")
				.orElseThrow(() -> new IOException("the server at " + this.where + " gave no Content-Length"));
		}
		return this.size;
	}

	@Override
	public SeekableByteChannel truncate(long size) {
		throw new NonWritableChannelException();
	}

	@Override
	public boolean isOpen() {
		return this.open;
	}

	@Override
	public void close() {
		this.open = false;
		closeBody();
	}

	private void closeBody() {
		InputStream current = this.body;
		this.body = null;
		if (current != null) {
			try {
				current.close();
			}
			catch (IOException ex) {
				// The body is given up; a failure to close it changes nothing for the
				// reader.
			}
		}
	}

	private void requireOpen() throws ClosedChannelException {
		if (!this.open) {
			throw new ClosedChannelException();
		}
	}

	@Override
	public String toString() {
		return "HttpRangeChannel[" + this.where + "]";
	}

}
