package io.hacover.core;

import java.io.IOException;

/**
 * A fluent interface of the tests: {@link #self()} returns its receiver. Top level, so
 * that another class loader can load it on its own and its HA connection is a JDK proxy.
 */
public interface Fluent {

	/**
	 * Returns this object.
	 * @return the receiver
	 */
	Fluent self();

	/**
	 * Answers a ping.
	 * @return the answer
	 * @throws IOException when the connection fails
	 */
	String ping() throws IOException;

}
