package io.hacover.soak;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every operation of a soak, in the order they ended. Thread-safe.
 */
final class History {

	private final ConcurrentLinkedQueue<Operation> operations = new ConcurrentLinkedQueue<>();

	void add(Operation operation) {
		this.operations.add(operation);
	}

	int size() {
		return this.operations.size();
	}

	List<Operation> operations() {
		return List.copyOf(this.operations);
	}

}
