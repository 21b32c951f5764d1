package io.hacover.io;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Opens the plain channels that {@link HaChannels} puts behind its HA channels: files by
 * path, and files by URI, {@code file:} or, read-only, {@code http:} and {@code https:}.
 * A failure to open names the connection besides the file ({@link IoFailures}).
 */
final class PlainChannels {

	private final HttpClient http;

	private final Duration timeout;

	/**
	 * Creates an opener.
	 * @param http the client for {@code http:} and {@code https:} URIs
	 * @param timeout how long one HTTP request may wait for its answer, and each read of
	 * its body for more bytes (H35)
	 */
	PlainChannels(HttpClient http, Duration timeout) {
		this.http = http;
		this.timeout = timeout;
	}

	HttpClient http() {
		return this.http;
	}

	/**
	 * Opens a file by URI: {@code file:} for reading, {@code http:} and {@code https:}.
	 * @param name the connection's name, for messages, or {@code null}
	 * @param uri the file
	 * @return the channel, at position 0
	 * @throws IOException when the file cannot be opened
	 * @throws IllegalArgumentException for any other kind of URI
	 */
	SeekableByteChannel open(String name, URI uri) throws IOException {
		if (scheme(name, uri).equals("file")) {
			return openFile(name, Path.of(uri), Set.of(StandardOpenOption.READ));
		}
		return openHttp(name, uri);
	}

	/**
	 * Opens a file served over HTTP, asking for its size at once: a missing file fails
	 * the open, and a server that is still down fails the recovery attempt, so that the
	 * back-off applies (H12).
	 * @param name the connection's name, for messages, or {@code null}
	 * @param uri the file: {@code http:} or {@code https:}
	 * @return the channel, at position 0
	 * @throws IOException when the file cannot be opened
	 */
	HttpRangeChannel openHttp(String name, URI uri) throws IOException {
		HttpRangeChannel channel = new HttpRangeChannel(this.http, uri, this.timeout, name);
		channel.size();
		return channel;
	}

	/**
	 * Opens a file by path.
	 * @param name the connection's name, for messages, or {@code null}
	 * @param path the file
	 * @param options how to open it
	 * @return the channel
	 * @throws IOException when the file cannot be opened; a file system failure names the
	 * connection besides the file
	 */
	static SeekableByteChannel openFile(String name, Path path, Set<? extends OpenOption> options) throws IOException {
		try {
			return Files.newByteChannel(path, options);
		}
		catch (FileSystemException ex) {
			throw (name != null) ? IoFailures.describe(ex, "connection '" + name + "'") : ex;
		}
	}

	/**
	 * Returns the scheme of a URI that can be opened, in lower case.
	 * @param name the connection's name, for the message, or {@code null}
	 * @param uri the URI
	 * @return {@code file}, {@code http} or {@code https}
	 * @throws IllegalArgumentException for any other kind of URI
	 */
	static String scheme(String name, URI uri) {
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("file") && !scheme.equals("http") && !scheme.equals("https")) {
			throw new IllegalArgumentException(
					"cannot open '" + describe(uri) + "'" + ((name != null) ? " for connection '" + name + "'" : "")
							+ ": only file:, http: and https: URIs can be opened as channels");
		}
		return scheme;
	}

	/**
	 * Returns a URI as it may appear in messages and logs: without user information,
	 * query or fragment, which may hold credentials.
	 * @param uri the URI
	 * @return scheme, host, port and path
	 */
	static String describe(URI uri) {
		if (uri.getScheme() == null || uri.isOpaque() || uri.getHost() == null) {
			return (uri.getScheme() != null) ? uri.getScheme() + ":" + String.valueOf(uri.getPath())
					: String.valueOf(uri.getPath());
		}
		return uri.getScheme() + "://" + uri.getHost() + ((uri.getPort() >= 0) ? ":" + uri.getPort() : "")
				+ uri.getPath();
	}

}
