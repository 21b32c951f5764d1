package io.hacover.core;

/**
 * Why a recovery gave up. Never thrown by itself: it is attached as a suppressed
 * exception to the original stale error that the caller gets (H11); its cause is the last
 * failure of the recovery function, if any.
 */
public class RecoveryFailedException extends RuntimeException {

	private final String connection;

	private final int attempts;

	/**
	 * Creates a new instance.
	 * @param connection the connection's name
	 * @param attempts how many times the recovery function was called in this recovery
	 * @param message what happened
	 * @param cause the last failure of the recovery function, or {@code null}
	 */
	public RecoveryFailedException(String connection, int attempts, String message, Throwable cause) {
		super("connection '" + connection + "': " + message, cause);
		this.connection = connection;
		this.attempts = attempts;
	}

	/**
	 * Returns the name of the connection.
	 * @return the connection's name
	 */
	public String getConnection() {
		return this.connection;
	}

	/**
	 * Returns how many times the recovery function was called before giving up.
	 * @return the number of attempts
	 */
	public int getAttempts() {
		return this.attempts;
	}

}
