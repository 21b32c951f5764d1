package io.hacover.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.hacover.core.Attachment;
import io.hacover.core.HaConnections;
import io.hacover.core.Opener;
import io.hacover.core.RecoveryContext;

import org.springframework.util.Assert;

/**
 * Opens channels and streams HA-aware (the C library's {@code open}, {@code creat} and
 * {@code fopen} covers): a file by path, or a file by URI, {@code file:} or, read-only,
 * {@code http:} and {@code https:} through the JDK {@link HttpClient} with {@code Range}
 * requests.
 * <p>
 * Each channel is an HA connection of the table given at construction: it keeps its
 * position and, when an operation fails stale, its built-in recovery
 * ({@link #reopenAtPosition}) reopens the file the same way and seeks back there before
 * the operation is issued again (H27, H10). Duplicates ({@link HaConnections#duplicate})
 * share one record and one position, as duplicated descriptors do (H25); {@code close()}
 * is detach-then-close, and the file is closed with the last duplicate (H7). Operations
 * are re-issued at least once under the default {@code ALWAYS} policy (H14): a write
 * re-issued after a recovery writes the same bytes at the same position again.
 */
public final class HaChannels {

	/**
	 * How long an HTTP request may wait for its answer, and a read of its body for more
	 * bytes, by default.
	 */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	private static final Set<StandardOpenOption> FIRST_OPEN_ONLY = EnumSet.of(StandardOpenOption.CREATE,
			StandardOpenOption.CREATE_NEW, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DELETE_ON_CLOSE);

	private final HaConnections connections;

	private final PlainChannels plain;

	/**
	 * Creates covers on the given table, with an HTTP/1.1 client that connects within
	 * {@link #DEFAULT_TIMEOUT}.
	 * @param connections the table of HA connections
	 */
	public HaChannels(HaConnections connections) {
		this(connections,
				HttpClient.newBuilder()
					.version(HttpClient.Version.HTTP_1_1)
					.connectTimeout(DEFAULT_TIMEOUT)
					.followRedirects(HttpClient.Redirect.NORMAL)
					.build(),
				DEFAULT_TIMEOUT);
	}

	/**
	 * Creates covers on the given table with the given HTTP client.
	 * @param connections the table of HA connections
	 * @param http the client for {@code http:} and {@code https:} URIs
	 * @param timeout how long one HTTP request may wait for its answer, and each read of
	 * its body for more bytes, before a stale error (H35)
	 */
	public HaChannels(HaConnections connections, HttpClient http, Duration timeout) {
		Assert.notNull(connections, "'connections' must not be null");
		Assert.notNull(http, "'http' must not be null");
		Assert.isTrue(timeout != null && !timeout.isNegative() && !timeout.isZero(), "'timeout' must be positive");
		this.connections = connections;
		this.plain = new PlainChannels(http, timeout);
	}

	/**
	 * Returns covers on the same table and HTTP client whose HTTP requests wait at most
	 * the given time for their answer, and each read of a body at most that time for more
	 * bytes (H35).
	 * @param timeout how long one HTTP request may wait for its answer, and each read of
	 * its body for more bytes
	 * @return the covers
	 */
	public HaChannels withTimeout(Duration timeout) {
		return new HaChannels(this.connections, this.plain.http(), timeout);
	}

	/**
	 * Opens a file HA-aware ({@code open(2)}). A recovery reopens the same path with the
	 * same options, less those that only make sense the first time ({@code CREATE},
	 * {@code CREATE_NEW}, {@code TRUNCATE_EXISTING}, {@code DELETE_ON_CLOSE}), and seeks
	 * back.
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param path the file
	 * @param options how to open it, as for
	 * {@link Files#newByteChannel(Path, OpenOption...)}
	 * @return the HA channel
	 * @throws IOException when the file cannot be opened (for example
	 * {@link java.nio.file.NoSuchFileException})
	 */
	public SeekableByteChannel open(String name, Path path, OpenOption... options) throws IOException {
		return open(name, path, Set.of(options), (attachment) -> {
		});
	}

	/**
	 * Opens a file HA-aware, letting the caller set the recovery function, handle or
	 * settings of the connection before it is attached.
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param path the file
	 * @param options how to open it
	 * @param customizer changes the attachment: recovery function, handle, settings
	 * @return the HA channel
	 * @throws IOException when the file cannot be opened
	 */
	public SeekableByteChannel open(String name, Path path, Set<? extends OpenOption> options,
			Consumer<Attachment<SeekableByteChannel>> customizer) throws IOException {
		Assert.notNull(path, "'path' must not be null");
		Set<OpenOption> first = Set.copyOf(options);
		Set<OpenOption> again = new HashSet<>(first);
		again.removeAll(FIRST_OPEN_ONLY);
		AtomicBoolean opened = new AtomicBoolean();
		return attach(name, "channel", () -> PlainChannels.openFile(name, path, opened.getAndSet(true) ? again : first),
				customizer);
	}

	/**
	 * Creates or truncates a file and opens it HA-aware for writing ({@code creat(2)}).
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param path the file
	 * @return the HA channel
	 * @throws IOException when the file cannot be created
	 */
	public SeekableByteChannel create(String name, Path path) throws IOException {
		return create(name, path, (attachment) -> {
		});
	}

	/**
	 * Creates or truncates a file and opens it HA-aware for writing ({@code creat(2)}),
	 * letting the caller set the recovery function, handle or settings of the connection
	 * before it is attached.
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param path the file
	 * @param customizer changes the attachment: recovery function, handle, settings
	 * @return the HA channel
	 * @throws IOException when the file cannot be created
	 */
	public SeekableByteChannel create(String name, Path path, Consumer<Attachment<SeekableByteChannel>> customizer)
			throws IOException {
		return open(name, path,
				Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
				customizer);
	}

	/**
	 * Opens a file by URI HA-aware: {@code file:} for reading, {@code http:} and
	 * {@code https:} read-only through {@code Range} requests.
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param uri the file
	 * @return the HA channel
	 * @throws IOException when the file cannot be opened: missing, or its server
	 * unreachable
	 * @throws IllegalArgumentException for any other kind of URI
	 */
	public SeekableByteChannel open(String name, URI uri) throws IOException {
		return open(name, uri, (attachment) -> {
		});
	}

	/**
	 * Opens a file by URI HA-aware, letting the caller set the recovery function, handle
	 * or settings of the connection before it is attached.
	 * @param name the connection's name, or {@code null} for one made from the type
	 * @param uri the file: {@code file:}, {@code http:} or {@code https:}
	 * @param customizer changes the attachment: recovery function, handle, settings
	 * @return the HA channel
	 * @throws IOException when the file cannot be opened
	 * @throws IllegalArgumentException for any other kind of URI
	 */
	public SeekableByteChannel open(String name, URI uri, Consumer<Attachment<SeekableByteChannel>> customizer)
			throws IOException {
		Assert.notNull(uri, "'uri' must not be null");
		if (PlainChannels.scheme(name, uri).equals("file")) {
			return open(name, Path.of(uri), Set.of(StandardOpenOption.READ), customizer);
		}
		int port = (uri.getPort() != -1) ? uri.getPort() : ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80);
		List<InetSocketAddress> server = (uri.getHost() != null)
				? List.of(InetSocketAddress.createUnresolved(uri.getHost(), port)) : List.of();
		return attach(name, "http", () -> this.plain.openHttp(name, uri),
				(attachment) -> customizer.accept(attachment.endpoints(server)));
	}

	/**
	 * Opens a file by URI as a plain channel, not HA-aware: the first half of "open, then
	 * attach", for an application that attaches the channel itself with a recovery
	 * function and a handle of its own, as the C library's users open a descriptor and
	 * then call {@code ha_attach}. Such a connection has no opener, so its recovery
	 * function cannot call {@link RecoveryContext#reopen()}; it reopens the file with
	 * {@link #reopen(RecoveryContext, URI)} instead.
	 * @param name the name the channel will be attached under, for the messages of its
	 * failures, or {@code null}
	 * @param uri the file: {@code file:} for reading, {@code http:} or {@code https:}
	 * @return the plain channel, at position 0
	 * @throws IOException when the file cannot be opened: missing, or its server
	 * unreachable; the message names the connection and the file
	 * @throws IllegalArgumentException for any other kind of URI
	 */
	public SeekableByteChannel openPlain(String name, URI uri) throws IOException {
		Assert.notNull(uri, "'uri' must not be null");
		return new TrackedChannel(this.plain.open(name, uri), 0);
	}

	/**
	 * Opens a file by URI HA-aware as an input stream ({@code fopen(path, "r")}); closing
	 * the stream closes the HA channel ({@code fclose}).
	 * @param name the connection's name, or {@code null}
	 * @param uri the file: {@code file:}, {@code http:} or {@code https:}
	 * @return the stream over the HA channel
	 * @throws IOException when the file cannot be opened
	 */
	public InputStream openInputStream(String name, URI uri) throws IOException {
		return Channels.newInputStream(open(name, uri));
	}

	/**
	 * Opens a file by URI HA-aware as a reader ({@code fopen(path, "r")}).
	 * @param name the connection's name, or {@code null}
	 * @param uri the file: {@code file:}, {@code http:} or {@code https:}
	 * @param charset how the bytes are decoded
	 * @return the reader over the HA channel
	 * @throws IOException when the file cannot be opened
	 */
	public Reader openReader(String name, URI uri, Charset charset) throws IOException {
		return Channels.newReader(open(name, uri), charset);
	}

	/**
	 * Opens a file HA-aware as an output stream ({@code fopen(path, "w")} with
	 * {@code CREATE, TRUNCATE_EXISTING, WRITE}, or {@code "a"} with {@code APPEND}).
	 * @param name the connection's name, or {@code null}
	 * @param path the file
	 * @param options how to open it; none means create or truncate, then write
	 * @return the stream over the HA channel
	 * @throws IOException when the file cannot be opened
	 */
	public OutputStream openOutputStream(String name, Path path, OpenOption... options) throws IOException {
		return Channels.newOutputStream(open(name, path, writeOptions(options), (attachment) -> {
		}));
	}

	/**
	 * Opens a file HA-aware as a writer ({@code fopen(path, "w")}).
	 * @param name the connection's name, or {@code null}
	 * @param path the file
	 * @param charset how characters are encoded
	 * @param options how to open it; none means create or truncate, then write
	 * @return the writer over the HA channel
	 * @throws IOException when the file cannot be opened
	 */
	public Writer openWriter(String name, Path path, Charset charset, OpenOption... options) throws IOException {
		return Channels.newWriter(open(name, path, writeOptions(options), (attachment) -> {
		}), charset);
	}

	/**
	 * The built-in recovery of HA channels: reopens the channel the way it was first
	 * opened, closing the failed one quietly, and seeks back to the position the failed
	 * one had reached (H26, H27). That position is read once the failed channel is closed
	 * and the reads and writes that duplicates still had in progress on it have ended, so
	 * that none of them is lost or counted twice (H34).
	 * @param context the recovery context
	 * @return the reopened channel, at the same position
	 * @throws Exception when reopening or seeking fails
	 */
	public static SeekableByteChannel reopenAtPosition(RecoveryContext<SeekableByteChannel> context) throws Exception {
		long position = closeAndSettle(context.failedResource());
		SeekableByteChannel fresh = context.reopen();
		return fresh.position(position);
	}

	/**
	 * Reopens a channel a new way, for a recovery function that moves to another server
	 * or file (H26): closes the failed channel quietly, opens {@code elsewhere} and seeks
	 * to the position the failed one had reached. The returned channel serves every
	 * duplicate from then on; later recoveries by {@link RecoveryContext#reopen()} still
	 * reopen the first way.
	 * @param context the recovery context
	 * @param elsewhere the file to continue on: {@code file:}, {@code http:} or
	 * {@code https:}
	 * @return the new channel, at the same position
	 * @throws IOException when it cannot be opened
	 * @throws InterruptedException if the thread is interrupted while the transfers in
	 * progress on the failed channel end
	 */
	public SeekableByteChannel reopen(RecoveryContext<SeekableByteChannel> context, URI elsewhere)
			throws IOException, InterruptedException {
		long position = closeAndSettle(context.failedResource());
		return new TrackedChannel(this.plain.open(context.name(), elsewhere), 0).position(position);
	}

	/**
	 * Closes a failed channel quietly and returns the position it reached once the
	 * transfers in progress on it ended (H34).
	 */
	private static long closeAndSettle(SeekableByteChannel failed) throws IOException, InterruptedException {
		if (failed instanceof TrackedChannel tracked) {
			return tracked.closeAndSettle();
		}
		long position = failed.position();
		try {
			failed.close();
		}
		catch (IOException ex) {
			// The failed channel is given up; a failure to close it changes nothing.
		}
		return position;
	}

	private SeekableByteChannel attach(String name, String kind, Opener<SeekableByteChannel> raw,
			Consumer<Attachment<SeekableByteChannel>> customizer) throws IOException {
		Attachment<SeekableByteChannel> attachment = Attachment
			.opening(SeekableByteChannel.class, () -> new TrackedChannel(raw.open(), 0))
			.kind(kind)
			.recovery(HaChannels::reopenAtPosition);
		if (name != null) {
			attachment.name(name);
		}
		customizer.accept(attachment);
		return Opening.open(this.connections, attachment, (name != null) ? "connection '" + name + "'" : "the channel");
	}

	private static Set<OpenOption> writeOptions(OpenOption... options) {
		return (options.length > 0) ? Set.of(options)
				: Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
	}

}
