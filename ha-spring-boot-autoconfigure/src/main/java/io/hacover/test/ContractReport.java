package io.hacover.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What the checks of a {@link RecoveryContract} found: each check passed, failed with a
 * message that says what is wrong and how to fix it, or was skipped with a note. Checks
 * are told in the order of their names, which start with their numbers.
 */
final class ContractReport {

	private static final Log logger = LogFactory.getLog(RecoveryContract.class);

	private final String subject;

	private final Map<String, String> failed = new TreeMap<>();

	private final Map<String, String> skipped = new TreeMap<>();

	private final Set<String> passed = new TreeSet<>();

	private final List<Throwable> causes = new ArrayList<>();

	/**
	 * Starts a report.
	 * @param subject the connection, its type and its recovery, for the heading
	 */
	ContractReport(String subject) {
		this.subject = subject;
	}

	void passed(String check) {
		if (!this.failed.containsKey(check) && !this.skipped.containsKey(check)) {
			this.passed.add(check);
		}
	}

	void failed(String check, String message, Throwable cause) {
		this.passed.remove(check);
		this.failed.merge(check, message, (first, next) -> first + " Also: " + next);
		if (cause != null) {
			this.causes.add(cause);
		}
	}

	void skipped(String check, String note) {
		this.skipped.put(check, note);
	}

	/**
	 * Throws an {@link AssertionError} that lists the failed checks, if any; else logs
	 * the skipped ones.
	 */
	void conclude(int checks) {
		StringBuilder skips = new StringBuilder();
		this.skipped.forEach((check, note) -> skips.append("\n- ").append(check).append(": skipped, ").append(note));
		if (this.failed.isEmpty()) {
			if (!this.skipped.isEmpty()) {
				logger.info("Recovery contract of " + this.subject + ": " + this.passed.size() + " of " + checks
						+ " checks passed" + skips);
			}
			return;
		}
		StringBuilder message = new StringBuilder("Recovery contract of ").append(this.subject)
			.append(": ")
			.append(this.failed.size())
			.append(" of ")
			.append(checks)
			.append(" checks failed");
		this.failed.forEach((check, why) -> message.append("\n- ").append(check).append(": ").append(why));
		if (!this.passed.isEmpty()) {
			message.append("\nPassed: ").append(String.join(", ", this.passed)).append('.');
		}
		message.append(skips);
		AssertionError error = new AssertionError(message.toString());
		this.causes.forEach(error::addSuppressed);
		throw error;
	}

}
