package io.hacover.core;

import java.io.IOException;
import java.net.SocketException;

/**
 * A small in-memory resource for the tests of the engine's state machine: each call
 * answers or throws what the test decides.
 */
@FunctionalInterface
interface Probe {

	/**
	 * Calls the resource.
	 * @param argument what to send
	 * @return the answer
	 * @throws IOException when the resource fails
	 */
	String call(String argument) throws IOException;

	/**
	 * Returns a resource that answers {@code name:argument}.
	 * @param name the name in the answers
	 * @return the resource
	 */
	static Probe answering(String name) {
		return (argument) -> name + ":" + argument;
	}

	/**
	 * Returns a new resource whose every call fails with a new stale error.
	 * @return the resource, a new object on each call
	 */
	static Probe dead() {
		return new Probe() {

			@Override
			public String call(String argument) throws IOException {
				throw new SocketException("connection reset while sending " + argument);
			}

		};
	}

}
