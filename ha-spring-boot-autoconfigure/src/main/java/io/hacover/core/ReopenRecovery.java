package io.hacover.core;

/**
 * The recovery function of {@link RecoveryFunction#reopen()}: reopens the connection the
 * way it was first opened (H26).
 *
 * @param <T> the type of the resource
 */
final class ReopenRecovery<T> implements RecoveryFunction<T> {

	@Override
	public T recover(RecoveryContext<T> context) throws Exception {
		return context.reopen();
	}

	@Override
	public String toString() {
		return "reopen";
	}

}
