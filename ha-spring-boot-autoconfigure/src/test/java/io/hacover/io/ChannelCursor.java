package io.hacover.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

import io.hacover.core.HaConnections;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads one file through the HA channels of one connection (duplicates included, since
 * they share one position) and checks that every byte is the byte of the file at the
 * offset the reads have reached, and that the channel reports that offset as its
 * position.
 */
final class ChannelCursor {

	private static final int CHUNK = 64 * 1024;

	private final byte[] expected;

	private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

	private long offset;

	ChannelCursor(byte[] expected) {
		this.expected = expected;
	}

	long offset() {
		return this.offset;
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
			check(read);
			total += read;
			assertThat(channel.position()).as("position after reading to byte %d", this.offset).isEqualTo(this.offset);
		}
		return total;
	}

	/**
	 * Reads through the channel until the connection has succeeded {@code recoveries}
	 * recoveries in all, then one chunk more; fails if the file ends first.
	 */
	void readUntilRecovered(SeekableByteChannel channel, HaConnections connections, String name, long recoveries)
			throws IOException {
		while (ChannelFixtures.info(connections, name).recoveriesSucceeded() < recoveries) {
			assertThat(read(channel, CHUNK))
				.as("bytes read at %d while recovery %d of '%s' is awaited", this.offset, recoveries, name)
				.isPositive();
		}
		read(channel, CHUNK);
		assertThat(ChannelFixtures.info(connections, name).recoveriesSucceeded()).isEqualTo(recoveries);
	}

	private void check(int read) {
		int from = (int) this.offset;
		assertThat(from + read).as("end of the bytes read").isLessThanOrEqualTo(this.expected.length);
		int mismatch = Arrays.mismatch(this.buffer.array(), 0, read, this.expected, from, from + read);
		assertThat(mismatch).as("index of the first wrong byte of the %d bytes read at offset %d", read, from)
			.isEqualTo(-1);
		this.offset += read;
	}

}
