package io.hacover.core;

/**
 * Re-establishes the resource behind an HA connection after a stale error (the C
 * library's recovery function).
 * <p>
 * Called by the engine on the thread whose operation failed, at most once at a time per
 * connection (H19). Returning a resource makes every duplicate of the connection use it
 * and re-issues the failed operation on it (H10). Returning {@code null} gives up at
 * once; throwing counts as a failed attempt and the {@link RecoveryPolicy} decides
 * whether another attempt follows (H11, H12).
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
	 * Returns a recovery function that reopens the connection the way it was first
	 * opened.
	 * @param <T> the type of the resource
	 * @return a function that calls {@link RecoveryContext#reopen()}
	 */
	static <T> RecoveryFunction<T> reopen() {
		return new ReopenRecovery<>();
	}

}
