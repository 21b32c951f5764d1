package io.hacover.core;

import java.lang.reflect.Method;

/**
 * The engine's {@link Call}: an operation and its arguments as the proxy received them.
 *
 * @param method the interface method
 * @param arguments the arguments, {@code null} for none
 * @param resource the resource the operation failed on
 * @param failure the stale error it failed with
 */
record IssuedCall(Method method, Object[] arguments, Object resource, Throwable failure) implements Call {

	@Override
	public int argumentCount() {
		return (this.arguments != null) ? this.arguments.length : 0;
	}

	@Override
	public <A> A argument(int index, Class<A> type) {
		if (index < 0 || index >= argumentCount()) {
			throw new IllegalArgumentException(
					this.method.getName() + " has no argument " + index + "; it has " + argumentCount());
		}
		Object argument = this.arguments[index];
		if (argument != null && !type.isInstance(argument)) {
			throw new IllegalArgumentException("argument " + index + " of " + this.method.getName() + " is a "
					+ argument.getClass().getName() + ", not a " + type.getName());
		}
		return type.cast(argument);
	}

}
