package io.hacover.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HA connection as the application holds it: the invocation handler behind the proxy.
 * Each duplicate has its own (so it can be closed on its own) and all share one record
 * (H25).
 *
 * @param <T> the type of the resource
 */
final class ConnectionProxy<T> implements InvocationHandler {

	final ConnectionRecord<T> record;

	private final HaConnections table;

	private final boolean closeable;

	private final boolean publicInterfaces;

	private final AtomicBoolean closed = new AtomicBoolean();

	ConnectionProxy(HaConnections table, ConnectionRecord<T> record, Class<?>[] interfaces) {
		this.table = table;
		this.record = record;
		boolean anyCloseable = false;
		boolean allPublic = true;
		for (Class<?> type : interfaces) {
			anyCloseable |= AutoCloseable.class.isAssignableFrom(type);
			allPublic &= Modifier.isPublic(type.getModifiers());
		}
		this.closeable = anyCloseable;
		this.publicInterfaces = allPublic;
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return objectMethod(proxy, method, args);
		}
		if (this.closeable && method.getParameterCount() == 0 && method.getName().equals("close")) {
			// Closeable's contract: closing a closed connection again has no effect.
			if (!this.closed.get()) {
				this.table.close(this);
			}
			return null;
		}
		if (this.closed.get()) {
			return afterClose(proxy, method);
		}
		if (!this.publicInterfaces) {
			method.setAccessible(true);
		}
		Object result = this.record.invoke(method, args);
		// A fluent method that returns its receiver (SeekableByteChannel.position(long))
		// must hand
		// out the HA connection, never the resource behind it (H10, H25).
		return (result != null && result == this.record.resource()) ? proxy : result;
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
			default -> "HaConnection[name=" + this.record.name + ", type=" + this.record.type.getName() + ", state="
					+ this.record.state() + "]";
		};
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
