package io.hacover.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link RecoveryFunction} that records what it was told on each call (H9), what it
 * returned and what it threw, and otherwise does what the test's function does.
 *
 * @param <T> the type of the resource
 */
final class RecordingRecovery<T> implements RecoveryFunction<T> {

	private final RecoveryFunction<T> behaviour;

	private final List<Call<T>> calls = new CopyOnWriteArrayList<>();

	private final List<T> results = new CopyOnWriteArrayList<>();

	private final List<Exception> failures = new CopyOnWriteArrayList<>();

	private RecordingRecovery(RecoveryFunction<T> behaviour) {
		this.behaviour = behaviour;
	}

	static <T> RecordingRecovery<T> of(RecoveryFunction<T> behaviour) {
		return new RecordingRecovery<>(behaviour);
	}

	@Override
	public T recover(RecoveryContext<T> context) throws Exception {
		this.calls.add(new Call<>(context.name(), context.type(), context.attempt(), context.failedResource(),
				context.handle(), context.cause(), Thread.currentThread()));
		try {
			T result = this.behaviour.recover(context);
			if (result != null) {
				this.results.add(result);
			}
			return result;
		}
		catch (Exception ex) {
			this.failures.add(ex);
			throw ex;
		}
	}

	int calls() {
		return this.calls.size();
	}

	List<Call<T>> recordedCalls() {
		return this.calls;
	}

	Call<T> lastCall() {
		return this.calls.get(this.calls.size() - 1);
	}

	List<T> results() {
		return this.results;
	}

	T lastResult() {
		return this.results.get(this.results.size() - 1);
	}

	List<Exception> failures() {
		return this.failures;
	}

	Exception lastFailure() {
		return this.failures.get(this.failures.size() - 1);
	}

	/**
	 * What the recovery function was told on one call.
	 *
	 * @param <T> the type of the resource
	 * @param name the connection's name
	 * @param type the connection's type
	 * @param attempt the attempt number
	 * @param failedResource the failed resource
	 * @param handle the handle
	 * @param cause the stale error
	 * @param thread the thread that ran the call
	 */
	record Call<T>(String name, Class<T> type, int attempt, T failedResource, Object handle, Throwable cause,
			Thread thread) {

	}

}
