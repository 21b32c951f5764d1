package io.hacover.core;

/**
 * Re-establishes the resource behind an HA connection after a stale error (the C
 * library's recovery function).
 * <p>
 * Called by the engine on the thread whose operation failed, at most once at a time per
 * connection (H19). Returning a resource makes every duplicate of the connection use it
 * and re-issues the failed operation on it (H10); it must be an instance of the
 * connection's type, and not the HA connection itself (H29). Returning {@code null} gives
 * up at once. Throwing counts as a failed attempt: an I/O or stale error says the server
 * is still down, and the {@link RecoveryPolicy} decides whether another attempt follows
 * (H11, H12); any other exception, or an {@link Error}, says the function is wrong and
 * ends the recovery at once (H30).
 * <p>
 * A function still running when the recovery's budget is spent is interrupted, and what
 * it returns after that is closed, never installed (H28).
 *
 * @param <T> the type of the resource
 */
@FunctionalInterface
public interface RecoveryFunction<T> {

	/**
	 * Returns the resource to continue on, or {@code null} to give up.
	 * @param context the failed resource, the handle, the cause, the connection's name
	 * and the attempt number (H9)
	 * @return the new (or repaired) resource, or {@code null} to give up
	 * @throws Exception when this attempt failed; the policy decides whether to try again
	 */
	T recover(RecoveryContext<T> context) throws Exception;

	/**
	 * Describes this function to operators, as {@link ConnectionInfo#recovery()} shows
	 * it: by default {@code function in <class>} for a lambda, the class name for a class
	 * that does not override {@code toString()}, and {@code toString()} otherwise.
	 * @return the description
	 */
	default String description() {
		String type = getClass().getName();
		int lambda = type.indexOf("$$Lambda");
		if (lambda > 0) {
			return "function in " + type.substring(0, lambda);
		}
		String text = toString();
		return text.startsWith(type + "@") ? type : text;
	}

	/**
	 * Returns a recovery function that reopens the connection the way it was first
	 * opened.
	 * @param <T> the type of the resource
	 * @return a function that calls {@link RecoveryContext#reopen()}
	 */
	static <T> RecoveryFunction<T> reopen() {
		return new ReopenRecovery<>();
	}

}
