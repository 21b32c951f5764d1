package io.hacover.core;

/**
 * The superclass of the classes {@link ConnectionClass} generates for HA connections:
 * holds the connection's handle. Equality and hash code are those of the object's
 * identity, as for the JDK proxies; {@link #toString()} names the connection.
 */
abstract class HaConnection {

	final ConnectionProxy<?> handle;

	HaConnection(ConnectionProxy<?> handle) {
		this.handle = handle;
	}

	/**
	 * Returns the name, type and state of the connection.
	 * @return the description
	 */
	@Override
	public final String toString() {
		return this.handle.describe();
	}

}
