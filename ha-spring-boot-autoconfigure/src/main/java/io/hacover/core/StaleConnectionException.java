package io.hacover.core;

import java.io.IOException;

/**
 * Says "this connection is dead" in so many words: thrown by covers (and by applications'
 * own clients) when they know that the connection behind an operation failed, for example
 * when an HTTP body stream ends early. The
 * {@linkplain StaleConnectionClassifier#defaults() default classifier} treats it as stale
 * wherever it is in the cause chain.
 */
public class StaleConnectionException extends IOException {

	/**
	 * Creates a new instance.
	 * @param message what failed, naming the connection or endpoint
	 * @param cause the underlying error, or {@code null}
	 */
	public StaleConnectionException(String message, Throwable cause) {
		super(message, cause);
	}

}
