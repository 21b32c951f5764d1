package io.hacover.test;

import java.util.ArrayList;
import java.util.List;

import io.hacover.test.RecoveryContract.ClientCall;

/**
 * The user's state check, made after each recovery of a contract run, and what it found
 * (H27).
 *
 * @param <T> the type of the connection
 */
final class StateCheck<T> {

	private final T connection;

	private final ClientCall<T> check;

	private final List<String> failures = new ArrayList<>();

	private Throwable firstFailure;

	private int checks;

	StateCheck(T connection, ClientCall<T> check) {
		this.connection = connection;
		this.check = check;
	}

	/**
	 * Makes the check on the HA connection.
	 * @param when after which recovery, for the report
	 */
	void check(String when) {
		this.checks++;
		try {
			this.check.call(this.connection);
		}
		catch (Throwable ex) {
			this.failures.add(when + ": " + String.valueOf(ex.getMessage()).strip().replaceAll("\\s*\\R\\s*", " "));
			if (this.firstFailure == null) {
				this.firstFailure = ex;
			}
		}
	}

	/**
	 * Tells the report whether the check held after every recovery.
	 * @param name the check's name in the report
	 * @param report the report
	 */
	void report(String name, ContractReport report) {
		if (this.checks == 0) {
			report.skipped(name, "no recovery succeeded, so the state was never checked");
		}
		else if (this.failures.isEmpty()) {
			report.passed(name);
		}
		else {
			report.failed(name, "the state check failed " + this.failures.size() + " times in " + this.checks
					+ " recoveries; the first, " + this.failures.get(0) + ". The recovery function must rebuild on "
					+ "the new resource the session state that the server lost with the old one, for example by "
					+ "setting again on it what was set on the failed resource (H27).", this.firstFailure);
		}
	}

}
