package io.hacover.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;

/**
 * The connection's own recovery function, watched: the kit puts it in place of the
 * function while the contract runs (H3), and it records what each call was given and what
 * it returned, then passes the result on unchanged, so the engine checks and installs it
 * as ever (H29).
 *
 * @param <T> the type of the resource
 */
final class ObservedRecovery<T> implements RecoveryFunction<T> {

	private final RecoveryFunction<T> function;

	private final List<Call> calls = new CopyOnWriteArrayList<>();

	ObservedRecovery(RecoveryFunction<T> function) {
		this.function = function;
	}

	@Override
	public T recover(RecoveryContext<T> context) throws Exception {
		Object failed = context.failedResource();
		try {
			T returned = this.function.recover(context);
			this.calls.add(new Call(failed, returned, null));
			return returned;
		}
		catch (Exception | Error ex) {
			this.calls.add(new Call(failed, null, ex));
			throw ex;
		}
	}

	@Override
	public String description() {
		return this.function.description();
	}

	RecoveryFunction<T> function() {
		return this.function;
	}

	int calls() {
		return this.calls.size();
	}

	/**
	 * Returns the calls made since the given count of calls.
	 */
	List<Call> since(int count) {
		List<Call> all = List.copyOf(this.calls);
		return all.subList(Math.min(count, all.size()), all.size());
	}

	/**
	 * One call of the function.
	 *
	 * @param failed the failed resource it was given
	 * @param returned what it returned, or {@code null}
	 * @param thrown what it threw, or {@code null}
	 */
	record Call(Object failed, Object returned, Throwable thrown) {

	}

}
