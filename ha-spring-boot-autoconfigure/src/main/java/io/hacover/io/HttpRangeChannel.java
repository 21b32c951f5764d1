package io.hacover.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
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
 * <p>
 * Every wait has a timeout, so that a black-holed server becomes a stale error instead of
 * a hang (H35): the answer to a request ({@link HttpRequest.Builder#timeout}) and each
 * wait for more bytes of a body ({@link TimedBody}). One thread reads at a time (the
 * {@link TrackedChannel} over it sees to that); {@link #close()} may come from any thread
 * and ends a read that waits with an {@link AsynchronousCloseException}.
 */
final class HttpRangeChannel implements SeekableByteChannel {

	private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

	private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");

	private final HttpClient client;

	private final URI uri;

	private final String where;

	private final String prefix;

	private final Duration timeout;

	private volatile TimedBody body;

	private long position;

	private volatile long size = -1;

	private volatile boolean open = true;

	/**
	 * Creates a channel; nothing is sent yet.
	 * @param client the HTTP client
	 * @param uri the file
	 * @param timeout how long a request waits for its answer, and a read for more bytes
	 * @param connection the name of the connection the channel serves, for messages, or
	 * {@code null}
	 */
	HttpRangeChannel(HttpClient client, URI uri, Duration timeout, String connection) {
		this.client = client;
		this.uri = uri;
		this.where = PlainChannels.describe(uri);
		this.prefix = (connection != null) ? "connection '" + connection + "': " : "";
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
		TimedBody current = this.body;
		if (current == null) {
			current = request();
			if (current == null) {
				return -1;
			}
		}
		int read;
		try {
			read = current.read(dst, this.timeout);
		}
		catch (HttpTimeoutException ex) {
			closeBody();
			throw new StaleConnectionException(this.prefix + "no data from " + this.where + " at byte " + this.position
					+ " within " + this.timeout.toMillis() + " ms; the server or the network stopped answering", ex);
		}
		catch (AsynchronousCloseException ex) {
			// Another thread closed the channel (a recovery, or close()): not a failure
			// of the connection to report, and already a stale error for the classifier.
			throw ex;
		}
		catch (IOException ex) {
			closeBody();
			throw new StaleConnectionException(this.prefix + "reading " + this.where + " at byte " + this.position
					+ " failed" + IoFailures.because(ex), ex);
		}
		catch (InterruptedException ex) {
			close();
			Thread.currentThread().interrupt();
			throw new ClosedByInterruptException();
		}
		if (read < 0) {
			closeBody();
			if (this.size >= 0 && this.position < this.size) {
				throw new StaleConnectionException(this.prefix + "the body of " + this.where + " ended at byte "
						+ this.position + " of " + this.size, null);
			}
			return -1;
		}
		this.position += read;
		return read;
	}

	/**
	 * Sends the {@code GET} for the bytes from the current position on.
	 * @return the body to read, or {@code null} if the position is at or past the end of
	 * the file
	 */
	private TimedBody request() throws IOException {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.uri).timeout(this.timeout).GET();
		if (this.position > 0) {
			request.header("Range", "bytes=" + this.position + "-");
		}
		HttpResponse<Flow.Publisher<List<ByteBuffer>>> response = send(request.build(),
				HttpResponse.BodyHandlers.ofPublisher());
		TimedBody body = new TimedBody();
		response.body().subscribe(body);
		int status = response.statusCode();
		if (status == 206) {
			Matcher range = CONTENT_RANGE.matcher(header(response, "Content-Range"));
			if (!range.matches() || Long.parseLong(range.group(1)) != this.position) {
				body.close();
				throw new IOException(this.prefix + "the server at " + this.where
						+ " answered the range request for bytes " + this.position + "- with Content-Range '"
						+ header(response, "Content-Range") + "'; it cannot resume reading there");
			}
			if (!"*".equals(range.group(3))) {
				this.size = Long.parseLong(range.group(3));
			}
			return use(body);
		}
		if (status == 200) {
			if (this.position > 0) {
				body.close();
				throw new IOException(this.prefix + "the server at " + this.where
						+ " ignored the range request for bytes " + this.position
						+ "- and answered 200 with the whole file; it cannot resume reading in the "
						+ "middle of the file: use a server that supports Range requests");
			}
			response.headers().firstValueAsLong("Content-Length").ifPresent((length) -> this.size = length);
			return use(body);
		}
		body.close();
		if (status == 416) {
			Matcher unsatisfied = UNSATISFIED_RANGE.matcher(header(response, "Content-Range"));
			if (unsatisfied.matches() && this.position >= Long.parseLong(unsatisfied.group(1))) {
				this.size = Long.parseLong(unsatisfied.group(1));
				return null;
			}
			throw new IOException(this.prefix + "the server at " + this.where + " refused the range request for bytes "
					+ this.position + "- (416, Content-Range '" + header(response, "Content-Range")
					+ "') although it is inside the file; it cannot resume reading there");
		}
		if (status == 404 || status == 410) {
			throw new FileNotFoundException(
					this.prefix + this.where + ": the server answered " + status + " (no such file)");
		}
		if (status >= 500) {
			throw new StaleConnectionException(this.prefix + "the server at " + this.where + " answered " + status,
					null);
		}
		throw new IOException(this.prefix + "the server at " + this.where + " answered " + status + " to a GET");
	}

	/**
	 * Makes the body of a successful answer the one to read, unless the channel was
	 * closed meanwhile by another thread.
	 */
	private TimedBody use(TimedBody body) throws AsynchronousCloseException {
		this.body = body;
		if (!this.open) {
			closeBody();
			throw new AsynchronousCloseException();
		}
		return body;
	}

	private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
		try {
			return this.client.send(request, handler);
		}
		catch (HttpTimeoutException ex) {
			throw new StaleConnectionException(this.prefix + "no answer from " + this.where + " within " + this.timeout,
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException(this.prefix + "interrupted while waiting for " + this.where);
		}
		catch (IOException ex) {
			// The JDK's ConnectException has no message at all: say what was not reached.
			if (ex instanceof ConnectException) {
				throw IoFailures.describe(ex, this.prefix + "cannot connect to " + this.where,
						"check that its server is up and listens there");
			}
			throw IoFailures.describe(ex, this.prefix + "the request to " + this.where + " failed", null);
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
			throw new IllegalArgumentException(this.prefix + "position must not be negative: " + newPosition);
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
			HttpResponse<Void> response = send(HttpRequest.newBuilder(this.uri)
				.timeout(this.timeout)
				.method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() == 404 || response.statusCode() == 410) {
				throw new FileNotFoundException(
						this.prefix + this.where + ": the server answered " + response.statusCode());
			}
			if (response.statusCode() >= 500) {
				throw new StaleConnectionException(
						this.prefix + "the server at " + this.where + " answered " + response.statusCode(), null);
			}
			this.size = response.headers()
				.firstValueAsLong("Content-Length")
				.orElseThrow(
						() -> new IOException(this.prefix + "the server at " + this.where + " gave no Content-Length"));
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
		TimedBody current = this.body;
		this.body = null;
		if (current != null) {
			current.close();
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
