package io.hacover.testsupport;

import java.io.IOException;
import java.net.SocketException;

/**
 * A line client whose I/O errors name a URL with a password, as some drivers' errors do:
 * for the tests that check that no secret reaches operators.
 */
public final class LeakingLineClient implements LineClient {

	/**
	 * The message of every error this client throws; it holds the secret {@code secret}.
	 */
	public static final String MESSAGE = "connect to jdbc:postgresql://u:secret@h/db?password=secret failed";

	private final LineClient delegate;

	/**
	 * Wraps a client.
	 * @param delegate the client that does the work
	 */
	public LeakingLineClient(LineClient delegate) {
		this.delegate = delegate;
	}

	/**
	 * Returns a stale error with the leaking message.
	 * @return the error
	 */
	public static SocketException staleError() {
		return new SocketException(MESSAGE);
	}

	@Override
	public String send(String request) throws IOException {
		try {
			return this.delegate.send(request);
		}
		catch (IOException ex) {
			throw staleError();
		}
	}

	@Override
	public void close() throws IOException {
		this.delegate.close();
	}

}
