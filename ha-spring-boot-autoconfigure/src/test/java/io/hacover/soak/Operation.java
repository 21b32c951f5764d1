package io.hacover.soak;

/**
 * One operation of the workload as the {@link History} keeps it.
 *
 * @param id the client-generated id of the write, or of the read
 * @param thread the workload thread
 * @param kind what it did
 * @param startNanos when it began ({@link System#nanoTime()})
 * @param longestCallNanos the longest single JDBC call it made
 * @param outcome how it ended
 * @param error the error's class and SQLState, or {@code null}
 * @param read for a read, the rows of its thread it counted, else -1
 * @param readLow for a read, the writes of its thread acknowledged before it began
 * @param readHigh for a read, those writes plus the ones with an unknown outcome
 */
record Operation(String id, int thread, Kind kind, long startNanos, long longestCallNanos, Outcome outcome,
		String error, long read, long readLow, long readHigh) {

	/**
	 * What an operation does.
	 */
	enum Kind {

		/** A transaction: insert a row, add one to its thread's counter, commit. */
		TRANSACTION,

		/** An insert in auto-commit. */
		AUTO_COMMIT_INSERT,

		/** An auto-commit count of its thread's rows. */
		READ;

		boolean writes() {
			return this != READ;
		}

	}

}
