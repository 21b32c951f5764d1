package io.hacover.core;

/**
 * Thrown instead of re-issuing an operation when the connection was recovered but its
 * {@link RetransmitPolicy} does not allow the operation to be sent again: the first
 * attempt may or may not have reached the server (H14). The stale error is the cause.
 */
public class OutcomeUnknownException extends RuntimeException {

	private final String connection;

	/**
	 * Creates a new instance.
	 * @param connection the connection's name
	 * @param operation the operation that was not re-issued
	 * @param cause the stale error of the first attempt
	 */
	public OutcomeUnknownException(String connection, String operation, Throwable cause) {
		super("connection '" + connection + "' was recovered, but the outcome of " + operation
				+ " is unknown: it may have reached the server before the connection failed, and the "
				+ "retransmit policy does not allow issuing it again; check its effect and retry, "
				+ "or mark the method @Idempotent", cause);
		this.connection = connection;
	}

	/**
	 * Returns the name of the connection.
	 * @return the connection's name
	 */
	public String getConnection() {
		return this.connection;
	}

}
