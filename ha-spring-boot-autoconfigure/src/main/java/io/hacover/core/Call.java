package io.hacover.core;

import java.lang.reflect.Method;

/**
 * A typed view of an operation issued on an HA connection: which operation, on which
 * resource, with which arguments. Given to the hooks of a cover that decide whether an
 * operation may be issued again after a recovery (H14) and what error to throw when it
 * may not ({@link Attachment#idempotentWhen}, {@link Attachment#outcomeUnknown}).
 */
public interface Call {

	/**
	 * Returns the interface method that was called.
	 * @return the method
	 */
	Method method();

	/**
	 * Returns the name of the operation: the method's name.
	 * @return the operation
	 */
	default String operation() {
		return method().getName();
	}

	/**
	 * Returns the resource the operation failed on.
	 * @return the resource
	 */
	Object resource();

	/**
	 * Returns the stale error the operation failed with.
	 * @return the failure
	 */
	Throwable failure();

	/**
	 * Returns the number of arguments.
	 * @return how many arguments the operation was given
	 */
	int argumentCount();

	/**
	 * Returns one argument, checked against the type the caller expects.
	 * @param <A> the expected type
	 * @param index the argument's index, from 0
	 * @param type the expected type
	 * @return the argument, may be {@code null}
	 * @throws IllegalArgumentException if there is no such argument, or it is of another
	 * type
	 */
	<A> A argument(int index, Class<A> type);

	/**
	 * Returns whether the operation is declared by the given type and has the given name.
	 * @param declaringType the interface that declares it
	 * @param name the operation's name
	 * @return {@code true} for that operation
	 */
	default boolean is(Class<?> declaringType, String name) {
		return method().getDeclaringClass() == declaringType && method().getName().equals(name);
	}

}
