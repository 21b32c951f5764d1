package io.hacover.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;

/**
 * Reads one file of the examples through HA channels (duplicates included: they share one
 * position) and checks every byte against the file as it was written, and the channel's
 * position against the offset the reads have reached.
 */
final class FileCursor {

	static final int CHUNK = 64 * 1024;

	private final String name;

	private final byte[] content;

	private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

	private long offset;

	private FileCursor(String name, byte[] content) {
		this.name = name;
		this.content = content;
	}

	/**
	 * Writes a file of random bytes.
	 * @param directory where to write it
	 * @param name the file's name
	 * @param size its size
	 * @param seed the seed of its bytes
	 * @return a cursor at the start of the file
	 * @throws IOException if the file cannot be written
	 */
	static FileCursor write(Path directory, String name, int size, long seed) throws IOException {
		byte[] content = new byte[size];
		new SplittableRandom(seed).nextBytes(content);
		Files.write(directory.resolve(name), content);
		return new FileCursor(name, content);
	}

	long offset() {
		return this.offset;
	}

	long size() {
		return this.content.length;
	}

	/**
	 * Reads up to {@code length} bytes through the channel, fewer at the end of the file.
	 * @return the number of bytes read, 0 at the end of the file
	 */
	int read(SeekableByteChannel channel, int length) throws IOException {
		int total = 0;
		while (total < length) {
			this.buffer.clear().limit(Math.min(CHUNK, length - total));
			int read = channel.read(this.buffer);
			if (read < 0) {
				break;
			}
			verify(this.buffer.array(), read, this.offset);
			this.offset += read;
			total += read;
			if (channel.position() != this.offset) {
				throw new IllegalStateException("%s: the channel is at byte %d, the reads at byte %d"
					.formatted(this.name, channel.position(), this.offset));
			}
		}
		return total;
	}

	/**
	 * Reads through the channel until the connection has been recovered
	 * {@code recoveries} times in all, then one chunk more.
	 * @return the number of bytes read
	 * @throws IllegalStateException if the file ends first
	 */
	long readUntilRecovered(SeekableByteChannel channel, HaConnections connections, String connection, long recoveries)
			throws IOException {
		long from = this.offset;
		while (info(connections, connection).recoveriesSucceeded() < recoveries) {
			if (read(channel, CHUNK) == 0) {
				throw new IllegalStateException("%s: the file ended at byte %d before recovery %d of '%s'"
					.formatted(this.name, this.offset, recoveries, connection));
			}
		}
		read(channel, CHUNK);
		return this.offset - from;
	}

	/**
	 * Checks that the bytes read are those of the file at the given offset.
	 * @throws IllegalStateException if one differs
	 */
	void verify(byte[] bytes, int length, long at) {
		int from = (int) at;
		if (from + length > this.content.length) {
			throw new IllegalStateException("%s: %d bytes read at byte %d, past the end of the file at %d"
				.formatted(this.name, length, from, this.content.length));
		}
		int mismatch = Arrays.mismatch(bytes, 0, length, this.content, from, from + length);
		if (mismatch >= 0) {
			throw new IllegalStateException("%s: byte %d read is not the file's".formatted(this.name, from + mismatch));
		}
	}

	static ConnectionInfo info(HaConnections connections, String connection) {
		return connections.find(connection)
			.orElseThrow(() -> new IllegalStateException("no open HA connection named '" + connection + "'"));
	}

}
