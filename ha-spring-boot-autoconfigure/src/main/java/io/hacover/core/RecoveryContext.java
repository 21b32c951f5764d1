package io.hacover.core;

/**
 * What a {@link RecoveryFunction} is told about the failure it recovers from (H9).
 *
 * @param <T> the type of the resource
 */
public interface RecoveryContext<T> {

	/**
	 * Returns the name of the HA connection being recovered.
	 * @return the connection's name
	 */
	String name();

	/**
	 * Returns the interface the HA connection implements.
	 * @return the connection's type
	 */
	Class<T> type();

	/**
	 * Returns the resource whose operation failed.
	 * @return the failed resource
	 */
	T failedResource();

	/**
	 * Returns the handle given at attach time (the C library's {@code void *} handle),
	 * where a client keeps checkpoints such as an offset.
	 * @return the handle, or {@code null} if none was given
	 */
	Object handle();

	/**
	 * Returns the handle given at attach time, cast to the expected type.
	 * @param <H> the handle's type
	 * @param type the handle's type
	 * @return the handle, or {@code null} if none was given
	 * @throws ClassCastException if the handle is of another type
	 */
	default <H> H handle(Class<H> type) {
		return type.cast(handle());
	}

	/**
	 * Returns the stale error that started this recovery.
	 * @return the cause
	 */
	Throwable cause();

	/**
	 * Returns the number of this attempt within the current recovery, starting at 1.
	 * @return the attempt number
	 */
	int attempt();

	/**
	 * Opens a fresh resource the way the connection was first opened (H26), after closing
	 * the failed resource quietly. For a Spring bean marked {@code @HaAware}, this makes
	 * a fresh instance the way the bean was first made.
	 * @return the fresh resource
	 * @throws IllegalStateException if the connection was attached rather than opened, so
	 * that the engine does not know how to open it
	 * @throws Exception when opening fails
	 */
	T reopen() throws Exception;

}
