package io.hacover.core;

/**
 * Opens a resource: the "open" half of the library's open-style operations (H6), kept by
 * the connection so that {@link RecoveryContext#reopen()} can open it again the same way
 * (H26).
 *
 * @param <T> the type of the resource
 */
@FunctionalInterface
public interface Opener<T> {

	/**
	 * Opens a fresh resource.
	 * @return the resource, never {@code null}
	 * @throws Exception when the resource cannot be opened
	 */
	T open() throws Exception;

}
