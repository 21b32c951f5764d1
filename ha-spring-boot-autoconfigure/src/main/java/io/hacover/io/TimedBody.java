package io.hacover.io;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The body of one HTTP response, read by one thread at a time, where every wait for data
 * ends within a timeout (H35): a black-holed server cannot make a read hang, as it can
 * with the stream of {@code BodyHandlers.ofInputStream()}, which waits for ever.
 * <p>
 * The {@link java.net.http.HttpClient} feeds it as a {@link Flow.Subscriber}. It asks for
 * one list of buffers at first and for one more each time the reader takes one, so that
 * at most two lists wait in memory and a slow reader slows the server down through TCP
 * flow control. {@link #close()} may be called from any thread: it cancels the
 * subscription, which closes the connection if the body was not read to its end, and ends
 * a read that waits.
 */
final class TimedBody implements Flow.Subscriber<List<ByteBuffer>> {

	private static final Object END = new Object();

	private static final Object CLOSED = new Object();

	private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();

	private volatile Flow.Subscription subscription;

	private volatile boolean closed;

	private Iterator<ByteBuffer> pending = Collections.emptyIterator();

	private ByteBuffer current;

	private boolean ended;

	@Override
	public void onSubscribe(Flow.Subscription subscription) {
		if (this.subscription != null) {
			subscription.cancel();
			return;
		}
		this.subscription = subscription;
		if (this.closed) {
			subscription.cancel();
		}
		else {
			subscription.request(1);
		}
	}

	@Override
	public void onNext(List<ByteBuffer> buffers) {
		this.arrived.add(buffers);
	}

	@Override
	public void onError(Throwable failure) {
		this.arrived.add(new Failure(failure));
	}

	@Override
	public void onComplete() {
		this.arrived.add(END);
	}

	/**
	 * Reads bytes of the body into {@code dst}, waiting at most {@code timeout} for the
	 * next bytes to arrive. Changes {@code dst} only when it returns normally; after an
	 * exception the body is to be closed, not read again.
	 * @param dst where the bytes go; it has room for at least one byte
	 * @param timeout how long to wait for the next bytes
	 * @return how many bytes were read, at least one, or -1 at the end of the body
	 * @throws HttpTimeoutException when no bytes arrived within the timeout
	 * @throws AsynchronousCloseException when the body was closed, before or during the
	 * wait
	 * @throws IOException when the connection failed, as the client reports it
	 * @throws InterruptedException when the thread is interrupted while it waits
	 */
	int read(ByteBuffer dst, Duration timeout) throws IOException, InterruptedException {
		while (this.current == null || !this.current.hasRemaining()) {
			if (this.closed) {
				throw new AsynchronousCloseException();
			}
			if (this.pending.hasNext()) {
				this.current = this.pending.next();
				continue;
			}
			if (this.ended) {
				return -1;
			}
			Object next = this.arrived.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
			if (next == null) {
				throw new HttpTimeoutException("no data within " + timeout.toMillis() + " ms");
			}
			take(next);
		}
		int count = Math.min(dst.remaining(), this.current.remaining());
		ByteBuffer slice = this.current.slice();
		slice.limit(count);
		dst.put(slice);
		this.current.position(this.current.position() + count);
		return count;
	}

	@SuppressWarnings("unchecked")
	private void take(Object next) throws IOException {
		if (next == END) {
			this.ended = true;
		}
		else if (next == CLOSED) {
			throw new AsynchronousCloseException();
		}
		else if (next instanceof Failure failure) {
			throw failure.asIOException();
		}
		else {
			this.pending = ((List<ByteBuffer>) next).iterator();
			this.subscription.request(1);
		}
	}

	/**
	 * Closes the body: cancels the subscription, so that the client stops reading it, and
	 * ends a read that waits with an {@link AsynchronousCloseException}. Idempotent; any
	 * thread.
	 */
	void close() {
		this.closed = true;
		Flow.Subscription current = this.subscription;
		if (current != null) {
			current.cancel();
		}
		this.arrived.add(CLOSED);
	}

	/**
	 * The error that ended the body.
	 */
	private record Failure(Throwable error) {

		IOException asIOException() {
			return (this.error instanceof IOException io) ? io
					: new IOException("the body failed: " + this.error, this.error);
		}

	}

}
