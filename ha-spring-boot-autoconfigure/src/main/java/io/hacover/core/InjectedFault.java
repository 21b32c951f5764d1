package io.hacover.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;

/**
 * A fault injected into one HA connection, as if its server had died, so that a test can
 * watch the connection's own recovery function work against the real server: made by
 * {@link ConnectionControl#injectFailures(int)} and
 * {@link ConnectionControl#injectOutage()} (the test kit {@code io.hacover.test} uses
 * them).
 * <p>
 * The engine puts a stand-in in place of the resource in use: every call on it fails with
 * a {@link StaleConnectionException}, as a call on a resource whose server died does, and
 * starts a recovery. The recovery function is told the real resource as the failed one
 * ({@link RecoveryContext#failedResource()}), which is still open, and whose server is
 * fine. A method that does not declare {@link java.io.IOException} throws it wrapped in
 * an {@link UndeclaredThrowableException}, as a JDK proxy does. Nothing changes on the
 * happy path of a connection without a fault, and the stand-in's calls take the engine's
 * usual slow path.
 * <p>
 * A fault of failures cuts the given number of resources in a row: the one in use, then
 * each one a recovery installs after it, until the count is spent. An outage cuts the
 * resource in use, and each recovery attempt then fails with a
 * {@link StaleConnectionException} without calling the recovery function, counted and
 * told as a failed attempt (H12, H15, H16, H36), until {@link #end()}.
 */
public final class InjectedFault {

	private final String connection;

	private final Object resource;

	private final boolean outage;

	private int failuresLeft;

	private volatile boolean ended;

	InjectedFault(String connection, Object resource, int failures, boolean outage) {
		this.connection = connection;
		this.resource = resource;
		this.failuresLeft = failures - 1;
		this.outage = outage;
	}

	/**
	 * Returns the name of the connection.
	 * @return the connection's name
	 */
	public String connection() {
		return this.connection;
	}

	/**
	 * Returns the real resource that was cut first: open, with its server running. After
	 * the recovery, a recovery function that closes what it replaces has closed it.
	 * @return the resource
	 */
	public Object resource() {
		return this.resource;
	}

	/**
	 * Returns whether this fault is an outage.
	 * @return {@code true} for {@link ConnectionControl#injectOutage()}
	 */
	public boolean isOutage() {
		return this.outage;
	}

	/**
	 * Ends the fault: the server is back. Recovery attempts no longer fail and no further
	 * resource is cut. A resource already cut stays cut, as after a real outage: the next
	 * call on it fails and starts a recovery that calls the recovery function. Another
	 * fault may be injected then.
	 */
	public void end() {
		this.ended = true;
	}

	/**
	 * Returns whether {@link #end()} was called.
	 * @return {@code true} once ended
	 */
	public boolean isEnded() {
		return this.ended;
	}

	@Override
	public String toString() {
		return (this.outage ? "outage" : "failures") + " of connection '" + this.connection + "'"
				+ (this.ended ? " (ended)" : "");
	}

	/**
	 * Checks that the connection's classifier takes the stand-in's failures for stale,
	 * thrown as they are or undeclared.
	 * @param classifier the connection's classifier
	 * @throws IllegalStateException if it does not
	 */
	void requireStale(StaleConnectionClassifier classifier) {
		StaleConnectionException sample = failure();
		if (!classifier.isStale(sample) || !classifier.isStale(new UndeclaredThrowableException(sample))) {
			throw new IllegalStateException("connection '" + this.connection + "': its classifier does not take a "
					+ StaleConnectionException.class.getName() + " for a stale error, so an injected fault would "
					+ "start no recovery; add that type to the connection's stale exceptions");
		}
	}

	/**
	 * Fails a recovery attempt while an outage is on, as the server being down would.
	 * @param attempt the attempt's number
	 * @throws StaleConnectionException while the outage is on
	 */
	void attemptStarted(int attempt) throws StaleConnectionException {
		if (this.outage && !this.ended) {
			throw new StaleConnectionException("connection '" + this.connection + "': attempt " + attempt
					+ " failed: injected outage, the server is taken as down until the outage ends", null);
		}
	}

	/**
	 * Returns what to install after a recovery returned {@code fresh}: a stand-in while
	 * failures are left, else {@code fresh}; the record's lock is held.
	 * @param <T> the type of the resource
	 * @param fresh what the recovery returned
	 * @param interfaces the interfaces of the connection
	 * @return the stand-in, or {@code fresh}
	 */
	<T> T installed(T fresh, List<Class<?>> interfaces) {
		if (this.ended || this.failuresLeft <= 0) {
			return fresh;
		}
		this.failuresLeft--;
		return standIn(fresh, interfaces);
	}

	/**
	 * Returns whether the fault has nothing left to do once a recovery installed a
	 * resource; the record's lock is held.
	 * @return {@code true} when it is spent
	 */
	boolean spent() {
		return this.ended || this.failuresLeft <= 0;
	}

	/**
	 * Returns a stand-in for {@code resource}: a JDK proxy that fails every call with a
	 * stale error, {@code close()} and {@code Object}'s methods excepted, which go to the
	 * resource.
	 */
	<T> T standIn(T resource, List<Class<?>> interfaces) {
		Class<?>[] types = interfaces.toArray(Class<?>[]::new);
		Object standIn = Proxy.newProxyInstance(ConnectionClass.loaderFor(types), types, new Cut(resource));
		@SuppressWarnings("unchecked")
		T cut = (T) standIn;
		return cut;
	}

	/**
	 * Returns the error a call on a stand-in throws.
	 * @return a stale error that names the connection
	 */
	StaleConnectionException failure() {
		return new StaleConnectionException("connection '" + this.connection
				+ "': injected failure, the resource is taken as dead (its server is fine)", null);
	}

	/**
	 * Returns the real resource behind a stand-in, or {@code resource} itself.
	 * @param <T> the type of the resource
	 * @param resource a resource, or a stand-in
	 * @return the real resource
	 */
	static <T> T unwrap(T resource) {
		if (resource != null && Proxy.isProxyClass(resource.getClass())
				&& Proxy.getInvocationHandler(resource) instanceof InjectedFault.Cut cut) {
			@SuppressWarnings("unchecked")
			T real = (T) cut.resource;
			return real;
		}
		return resource;
	}

	/**
	 * The calls of a stand-in.
	 */
	private final class Cut implements InvocationHandler {

		private final Object resource;

		Cut(Object resource) {
			this.resource = resource;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			boolean close = method.getParameterCount() == 0 && method.getName().equals("close");
			if (!close && method.getDeclaringClass() != Object.class) {
				throw failure();
			}
			if (method.getName().equals("equals") && method.getParameterCount() == 1) {
				return proxy == args[0];
			}
			try {
				method.setAccessible(true);
				return method.invoke(this.resource, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
			catch (ReflectiveOperationException ex) {
				throw new UndeclaredThrowableException(ex);
			}
		}

	}

}
