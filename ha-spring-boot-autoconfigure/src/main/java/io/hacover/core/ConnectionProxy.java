package io.hacover.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HA connection as the application holds it: the handle behind the object of a
 * {@link ConnectionClass}, whether generated or a JDK proxy (then it is the invocation
 * handler). Each duplicate has its own (so it can be closed on its own) and all share one
 * record (H25).
 *
 * @param <T> the type of the resource
 */
final class ConnectionProxy<T> implements InvocationHandler {

	final ConnectionRecord<T> record;

	private final HaConnections table;

	private final ConnectionClass type;

	private final AtomicBoolean closed = new AtomicBoolean();

	ConnectionProxy(HaConnections table, ConnectionRecord<T> record, ConnectionClass type) {
		this.table = table;
		this.record = record;
		this.type = type;
	}

	/**
	 * Returns the handle of an HA connection object of either kind.
	 * @param object any object
	 * @return its handle, or {@code null} if it is not an HA connection
	 */
	static ConnectionProxy<?> of(Object object) {
		if (object instanceof HaConnection connection) {
			return connection.handle;
		}
		if (object != null && Proxy.isProxyClass(object.getClass())
				&& Proxy.getInvocationHandler(object) instanceof ConnectionProxy<?> handle) {
			return handle;
		}
		return null;
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return objectMethod(proxy, method, args);
		}
		if (this.type.closeable && method.getParameterCount() == 0 && method.getName().equals("close")) {
			// Closeable's contract: closing a closed connection again has no effect.
			if (!this.closed.get()) {
				this.table.close(this);
			}
			return null;
		}
		if (this.closed.get()) {
			return afterClose(proxy, method);
		}
		if (!this.type.publicInterfaces) {
			method.setAccessible(true);
		}
		// A fluent method that returns its receiver (SeekableByteChannel.position(long))
		// hands out the HA connection, never the resource behind it (H10, H25).
		return this.record.reissue.invoke(proxy, method, args);
	}

	/**
	 * The start of a generated method: the record's current resource, or {@code null}
	 * when this duplicate is closed.
	 * @return the current resource and its generation, or {@code null}
	 */
	ConnectionRecord.Current<T> enter() {
		return this.closed.get() ? null : this.record.current();
	}

	/**
	 * The slow path of a generated method: the operation it issued on {@code issuedOn}
	 * threw {@code error}; classify, recover and re-issue as
	 * {@link #invoke(Object, Method, Object[])} does.
	 * @param proxy the HA connection
	 * @param index the index of the method in its {@link ConnectionClass}
	 * @param issuedOn the resource the operation was issued on
	 * @param args the arguments, {@code null} for none
	 * @param error what the operation threw
	 * @return what the re-issued operation returned
	 * @throws Throwable the error, or what recovery or the re-issued operation threw
	 */
	Object failed(Object proxy, int index, ConnectionRecord.Current<T> issuedOn, Object[] args, Throwable error)
			throws Throwable {
		try {
			return this.record.reissue.afterFailure(proxy, this.type.method(index), args, issuedOn, error);
		}
		catch (Throwable ex) {
			throw this.type.declared(index, ex);
		}
	}

	/**
	 * A call of a generated method that takes no fast path: {@code close()}, or any call
	 * on a closed duplicate.
	 * @param proxy the HA connection
	 * @param index the index of the method in its {@link ConnectionClass}
	 * @param args the arguments, {@code null} for none
	 * @return what {@link #invoke(Object, Method, Object[])} returns
	 * @throws Throwable what it throws
	 */
	Object invoke(Object proxy, int index, Object[] args) throws Throwable {
		try {
			return invoke(proxy, this.type.method(index), args);
		}
		catch (Throwable ex) {
			throw this.type.declared(index, ex);
		}
	}

	/**
	 * Returns the text of {@code toString()} on the HA connection.
	 * @return the name, type and state of the connection
	 */
	String describe() {
		return "HaConnection[name=" + this.record.name + ", type=" + this.record.type.getName() + ", state="
				+ this.record.state() + "]";
	}

	/**
	 * Answers a call on a closed duplicate: {@code isOpen()} is {@code false}, a channel
	 * throws {@link ClosedChannelException} as the channel contract says, anything else
	 * {@link IllegalStateException}.
	 */
	private Object afterClose(Object proxy, Method method) throws ClosedChannelException {
		if (method.getParameterCount() == 0 && method.getName().equals("isOpen")
				&& method.getReturnType() == boolean.class) {
			return false;
		}
		if (proxy instanceof Channel) {
			throw new ClosedChannelException();
		}
		throw new IllegalStateException("connection '" + this.record.name + "' is closed: this duplicate "
				+ "cannot be used any more; use another duplicate or open the connection again");
	}

	private Object objectMethod(Object proxy, Method method, Object[] args) {
		return switch (method.getName()) {
			case "equals" -> proxy == args[0];
			case "hashCode" -> System.identityHashCode(proxy);
			default -> describe();
		};
	}

	/**
	 * Returns the class of the HA connection object, for its duplicates.
	 * @return the class
	 */
	ConnectionClass type() {
		return this.type;
	}

	/**
	 * Marks this duplicate closed.
	 * @return {@code false} if it was already closed
	 */
	boolean markClosed() {
		return this.closed.compareAndSet(false, true);
	}

	boolean isClosed() {
		return this.closed.get();
	}

}
