package io.hacover.core;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.SocketLineClient;

/**
 * A {@link LineClient} over a {@link SocketLineClient} that remembers every exception it
 * threw, so that a test can check that the caller got the very same object (H8, H11).
 */
final class CapturingLineClient implements LineClient {

	private final SocketLineClient delegate;

	private final List<Exception> failures = new CopyOnWriteArrayList<>();

	CapturingLineClient(SocketLineClient delegate) {
		this.delegate = delegate;
	}

	@Override
	public String send(String request) throws IOException {
		try {
			return this.delegate.send(request);
		}
		catch (IOException | RuntimeException ex) {
			this.failures.add(ex);
			throw ex;
		}
	}

	@Override
	public void close() throws IOException {
		this.delegate.close();
	}

	boolean isOpen() {
		return this.delegate.isOpen();
	}

	List<Exception> failures() {
		return this.failures;
	}

	Exception lastFailure() {
		return this.failures.get(this.failures.size() - 1);
	}

}
