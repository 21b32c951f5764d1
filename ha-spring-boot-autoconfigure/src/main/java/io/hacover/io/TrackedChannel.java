package io.hacover.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The resource behind an HA channel: a channel that keeps its own position, so that a
 * recovery can reopen the file and seek back to where the reader or writer was (H27) even
 * though the failed channel can no longer be asked.
 * <p>
 * Reads and writes are all or nothing as far as the buffer is concerned: when one fails,
 * the buffer's position is put back, so that the operation re-issued after a recovery
 * transfers the same bytes at the same place (H10).
 * <p>
 * All duplicates of an HA channel share one instance, used by several threads at once.
 * Every operation that moves the position (read, write, seek, truncate) runs under one
 * lock, as the kernel serializes them on a duplicated descriptor, so that the kept
 * position and the channel's own always move together and no transfer is lost (H34). A
 * file channel serializes these operations anyway, so the lock costs no concurrency.
 * {@link #position()} reads the kept position without the lock: it answers while a read
 * blocks, and after the connection failed.
 */
final class TrackedChannel implements SeekableByteChannel {

	private final SeekableByteChannel channel;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile long position;

	TrackedChannel(SeekableByteChannel channel, long position) {
		this.channel = channel;
		this.position = position;
	}

	@Override
	public int read(ByteBuffer dst) throws IOException {
		this.lock.lock();
		try {
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
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		this.lock.lock();
		try {
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
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the position this channel has reached, without asking the underlying
	 * channel: it answers even after the connection failed. A transfer still in progress
	 * is not counted yet; {@link #closeAndSettle()} waits for it.
	 */
	@Override
	public long position() {
		return this.position;
	}

	@Override
	public SeekableByteChannel position(long newPosition) throws IOException {
		this.lock.lock();
		try {
			this.channel.position(newPosition);
			this.position = newPosition;
			return this;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public long size() throws IOException {
		return this.channel.size();
	}

	@Override
	public SeekableByteChannel truncate(long size) throws IOException {
		this.lock.lock();
		try {
			this.channel.truncate(size);
			this.position = Math.min(this.position, size);
			return this;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	/**
	 * Closes the underlying channel, without waiting for the operations in progress on
	 * it: closing is what makes a blocked read end.
	 */
	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	/**
	 * Closes this channel quietly, waits for the reads and writes still in progress on
	 * it, which the close ends, and returns the position they reached: the exact position
	 * for a recovery to seek back to, with no transfer left to be counted (H34).
	 * @return the position
	 * @throws InterruptedException if the thread is interrupted while it waits
	 */
	long closeAndSettle() throws InterruptedException {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// The failed channel is given up; a failure to close it changes nothing.
		}
		this.lock.lockInterruptibly();
		try {
			return this.position;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "TrackedChannel[position=" + this.position + ", " + this.channel + "]";
	}

}
