package io.hacover.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The file workload: reads a 1 MiB file from the HTTP file server through an HA channel,
 * from its first byte to its last, and checks its checksum. When the server is killed,
 * even in the middle of the file, the channel is reopened at the byte it had reached and
 * the read goes on: the checksum always matches.
 */
final class FileWorkload extends Workload {

	/**
	 * The name of the file the workload reads.
	 */
	static final String FILE = "catalog.bin";

	private final SeekableByteChannel channel;

	private final String connectionName;

	private final long size;

	private final long checksum;

	private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

	FileWorkload(SeekableByteChannel channel, String connectionName, byte[] content) {
		super("files");
		this.channel = channel;
		this.connectionName = connectionName;
		CRC32 crc = new CRC32();
		crc.update(content);
		this.size = content.length;
		this.checksum = crc.getValue();
	}

	/**
	 * Returns the content of the file the workload reads: 1 MiB of random bytes, the same
	 * at every start.
	 * @return the content
	 */
	static byte[] content() {
		byte[] content = new byte[1024 * 1024];
		new SplittableRandom(6).nextBytes(content);
		return content;
	}

	@Override
	public String connection() {
		return this.connectionName;
	}

	@Override
	protected void call() throws IOException {
		this.channel.position(0);
		CRC32 crc = new CRC32();
		long length = 0;
		for (int read = this.channel.read(this.buffer); read >= 0; read = this.channel.read(this.buffer)) {
			crc.update(this.buffer.flip());
			length += read;
			this.buffer.clear();
		}
		if (length != this.size || crc.getValue() != this.checksum) {
			throw new IllegalStateException("read %d bytes with checksum %x; the file has %d bytes with checksum %x"
				.formatted(length, crc.getValue(), this.size, this.checksum));
		}
	}

}
