package io.hacover.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
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
			throw new IllegalStateException("connection '" + this.record.name + "' is closed: this duplicate "
					+ "cannot be used any more; use another duplicate or open the connection again");
		}
		if (!this.publicInterfaces) {
			method.setAccessible(true);
		}
		return this.record.invoke(method, args);
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
