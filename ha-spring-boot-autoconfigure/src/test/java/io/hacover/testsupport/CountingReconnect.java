package io.hacover.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;

/**
 * A recovery function for tests: closes the failed client, connects a new one to the port
 * it is given and checks it with {@code PING} (a re-handshake), counting what happens.
 */
public final class CountingReconnect implements RecoveryFunction<LineClient> {

	private final IntSupplier port;

	private final Duration readTimeout;

	private final AtomicInteger calls = new AtomicInteger();

	private final AtomicInteger recoveries = new AtomicInteger();

	private final AtomicInteger failedAttempts = new AtomicInteger();

	/**
	 * Creates a function that connects to the given port.
	 * @param port the port of the server, asked for at each call
	 * @param readTimeout the read timeout of each new client
	 */
	public CountingReconnect(IntSupplier port, Duration readTimeout) {
		this.port = port;
		this.readTimeout = readTimeout;
	}

	@Override
	public LineClient recover(RecoveryContext<LineClient> context) throws Exception {
		this.calls.incrementAndGet();
		if (context.attempt() == 1) {
			this.recoveries.incrementAndGet();
		}
		try {
			context.failedResource().close();
			SocketLineClient fresh = SocketLineClient.connect("127.0.0.1", this.port.getAsInt(), this.readTimeout);
			try {
				if (!"PONG".equals(fresh.send("PING"))) {
					throw new IOException("no PONG");
				}
			}
			catch (IOException ex) {
				fresh.close();
				throw ex;
			}
			return fresh;
		}
		catch (Exception ex) {
			this.failedAttempts.incrementAndGet();
			throw ex;
		}
	}

	/**
	 * Returns how many times the function was called.
	 * @return the calls, attempts included
	 */
	public int calls() {
		return this.calls.get();
	}

	/**
	 * Returns how many recoveries started: calls with attempt number 1.
	 * @return the recoveries
	 */
	public int recoveries() {
		return this.recoveries.get();
	}

	/**
	 * Returns how many calls failed.
	 * @return the failed attempts
	 */
	public int failedAttempts() {
		return this.failedAttempts.get();
	}

}
