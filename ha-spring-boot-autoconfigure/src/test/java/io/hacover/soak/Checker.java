package io.hacover.soak;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/**
 * Reads the whole history and the database at the end of a soak and checks the promise of
 * the JDBC cover (J1, J4, J5, J7, H28):
 * <ul>
 * <li>every acknowledged write is stored exactly once, and no write twice;</li>
 * <li>every error is of a documented kind ({@link Outcome});</li>
 * <li>no write is stored unless it was acknowledged or reported unknown;</li>
 * <li>no transaction is stored half (each thread's counter equals its transactions'
 * rows);</li>
 * <li>every read counted each write of its thread acknowledged before it, and none beyond
 * those reported unknown;</li>
 * <li>no hang: every call ended within its bound, and every thread stopped.</li>
 * </ul>
 */
final class Checker {

	static final String EXACTLY_ONCE = "every acknowledged write stored exactly once, no write twice";

	static final String DOCUMENTED = "every error of a documented kind";

	static final String NOTHING_UNACKNOWLEDGED = "no write stored unless acknowledged or reported unknown";

	static final String NONE_HALF = "no transaction stored half";

	static final String READS = "every read saw its thread's acknowledged writes";

	static final String NO_HANG = "no hang: every call within its bound, every thread stopped";

	private final Duration callBound;

	Checker(Duration callBound) {
		this.callBound = callBound;
	}

	/**
	 * Checks a history against the database.
	 * @param history every operation
	 * @param hung the threads that did not stop, with what they were doing
	 * @param database a direct data source of the server
	 * @return the violations by property (every property present), and how many writes
	 * reported unknown were stored
	 * @throws SQLException if the database cannot be read
	 */
	Verdict check(List<Operation> history, List<String> hung, DataSource database) throws SQLException {
		Map<String, List<String>> violations = new LinkedHashMap<>();
		for (String property : List.of(EXACTLY_ONCE, DOCUMENTED, NOTHING_UNACKNOWLEDGED, NONE_HALF, READS, NO_HANG)) {
			violations.put(property, new ArrayList<>());
		}
		Map<String, Integer> stored = new HashMap<>();
		Map<Integer, Long> transactionRows = new HashMap<>();
		Map<Integer, Long> counters = new HashMap<>();
		try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
			try (ResultSet rows = statement.executeQuery("select id, count(*) from soak_tx group by id")) {
				while (rows.next()) {
					stored.put(rows.getString(1), rows.getInt(2));
				}
			}
			try (ResultSet rows = statement
				.executeQuery("select thread, count(*) from soak_tx where kind = 'transaction' group by thread")) {
				while (rows.next()) {
					transactionRows.put(rows.getInt(1), rows.getLong(2));
				}
			}
			try (ResultSet rows = statement.executeQuery("select thread, n from soak_counter")) {
				while (rows.next()) {
					counters.put(rows.getInt(1), rows.getLong(2));
				}
			}
		}
		Map<String, Operation> writes = new HashMap<>();
		for (Operation operation : history) {
			if (operation.kind().writes()) {
				writes.put(operation.id(), operation);
				int count = stored.getOrDefault(operation.id(), 0);
				if (operation.outcome() == Outcome.OK && count != 1) {
					violations.get(EXACTLY_ONCE).add(operation.id() + " acknowledged, stored " + count + " times");
				}
			}
			if (operation.outcome() == Outcome.UNDOCUMENTED) {
				violations.get(DOCUMENTED).add(operation.id() + ": " + operation.error());
			}
			if (operation.kind() == Operation.Kind.READ && operation.outcome() == Outcome.OK
					&& (operation.read() < operation.readLow() || operation.read() > operation.readHigh())) {
				violations.get(READS)
					.add(operation.id() + " counted " + operation.read() + " rows, expected " + operation.readLow()
							+ " to " + operation.readHigh());
			}
			if (operation.longestCallNanos() > this.callBound.toNanos()) {
				violations.get(NO_HANG)
					.add(operation.id() + ": a call took " + Duration.ofNanos(operation.longestCallNanos()).toMillis()
							+ " ms");
			}
		}
		stored.forEach((id, count) -> {
			if (count > 1) {
				violations.get(EXACTLY_ONCE).add(id + " stored " + count + " times");
			}
			Operation write = writes.get(id);
			if (write == null) {
				violations.get(NOTHING_UNACKNOWLEDGED).add(id + " stored, but no operation wrote it");
			}
			else if (write.outcome() == Outcome.ROLLED_BACK || write.outcome() == Outcome.UNDOCUMENTED) {
				violations.get(NOTHING_UNACKNOWLEDGED).add(id + " stored, but reported " + write.outcome());
			}
		});
		counters.forEach((thread, counter) -> {
			long rows = transactionRows.getOrDefault(thread, 0L);
			if (rows != counter) {
				violations.get(NONE_HALF)
					.add("thread " + thread + ": counter " + counter + ", rows of transactions " + rows);
			}
		});
		hung.forEach((thread) -> violations.get(NO_HANG).add(thread + " did not stop"));
		long unknownStored = writes.values()
			.stream()
			.filter((write) -> write.outcome() == Outcome.COMMIT_UNKNOWN
					|| write.outcome() == Outcome.STATEMENT_UNKNOWN)
			.filter((write) -> stored.containsKey(write.id()))
			.count();
		return new Verdict(violations, unknownStored);
	}

	/**
	 * What the {@link Checker} found.
	 *
	 * @param violations the violations by property, every property present
	 * @param unknownStored how many writes reported unknown were stored
	 */
	record Verdict(Map<String, List<String>> violations, long unknownStored) {

	}

}
