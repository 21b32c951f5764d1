package io.hacover.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * The resource behind an HA channel: a channel that keeps its own position, so that a
 * recovery can reopen the file and seek back to where the reader or writer was (H27) even
 * though the failed channel can no longer be asked.
 * <p>
 * Reads and writes are all or nothing as far as the buffer is concerned: when one fails,
 * the buffer's position is put back, so that the operation re-issued after a recovery
 * transfers the same bytes at the same place (H10).
 */
final class TrackedChannel implements SeekableByteChannel {

	private final SeekableByteChannel channel;

	private long position;

	TrackedChannel(SeekableByteChannel channel, long position) {
		this.channel = channel;
		this.position = position;
	}

	@Override
	public int read(ByteBuffer dst) throws IOException {
		int start = dst.position();
		try {
			int read = this.channel.read(dst);
			if (read > 0) {
				this.position += read;
			}
			return read;
		}
		catch (IOException | RuntimeException ex) {
			dst.position(start);
			throw ex;
		}
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		int start = src.position();
		try {
			int written = this.channel.write(src);
			this.position += written;
			return written;
		}
		catch (IOException | RuntimeException ex) {
			src.position(start);
			throw ex;
		}
	}

	/**
	 * Returns the position this channel has reached, without asking the underlying
	 * channel: it answers even after the connection failed.
	 */
	@Override
	public long position() {
		return this.position;
	}

	@Override
	public SeekableByteChannel position(long newPosition) throws IOException {
		this.channel.position(newPosition);
		this.position = newPosition;
		return this;
	}

	@Override
	public long size() throws IOException {
		return this.channel.size();
	}

	@Override
	public SeekableByteChannel truncate(long size) throws IOException {
		this.channel.truncate(size);
		this.position = Math.min(this.position, size);
		return this;
	}

	@Override
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	@Override
	public String toString() {
		return "TrackedChannel[position=" + this.position + ", " + this.channel + "]";
	}

}
