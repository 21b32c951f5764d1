package io.hacover.soak;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.hacover.soak.Operation.Kind;

/**
 * What a {@link ChaosSoak} did and found, printed as one table.
 *
 * @param seed the seed
 * @param ran how long the workload ran
 * @param threads the workload threads
 * @param scheduled the faults the schedule reached, by kind
 * @param injected the faults that took effect, by kind
 * @param faultFailures faults that could not be applied, with why
 * @param operations every operation
 * @param replayed transactions replayed (J7)
 * @param replaysRolledBack replays rolled back on a difference (J7)
 * @param callBound the bound of one call (H28)
 * @param verdict what the checker found
 */
record ChaosReport(long seed, Duration ran, int threads, Map<FaultKind, Integer> scheduled,
		Map<FaultKind, Integer> injected, List<String> faultFailures, List<Operation> operations, int replayed,
		int replaysRolledBack, Duration callBound, Checker.Verdict verdict) {

	private static final int SHOWN = 10;

	/**
	 * Returns how many violations were found.
	 * @return the number of violations
	 */
	int violationCount() {
		return this.verdict.violations().values().stream().mapToInt(List::size).sum();
	}

	/**
	 * Returns how many faults took effect.
	 * @return the number of faults
	 */
	int faultCount() {
		return this.injected.values().stream().mapToInt(Integer::intValue).sum();
	}

	/**
	 * Returns how many kinds of fault took effect at least once.
	 * @return the number of kinds
	 */
	int faultKinds() {
		return (int) this.injected.values().stream().filter((count) -> count > 0).count();
	}

	/**
	 * Returns how many write operations (transactions and auto-commit inserts) ran.
	 * @return the number of writes
	 */
	long writes() {
		return this.operations.stream().filter((operation) -> operation.kind().writes()).count();
	}

	/**
	 * Returns the longest single call of the workload.
	 * @return the longest call
	 */
	Duration longestCall() {
		return Duration.ofNanos(this.operations.stream().mapToLong(Operation::longestCallNanos).max().orElse(0));
	}

	/**
	 * Returns the report as one Markdown table, followed by the first violations of each
	 * property, if any.
	 * @return the table
	 */
	String table() {
		StringBuilder table = new StringBuilder();
		Map<Kind, Long> kinds = new EnumMap<>(Kind.class);
		this.operations.forEach((operation) -> kinds.merge(operation.kind(), 1L, Long::sum));
		table.append(String.format(
				"chaos soak: seed %d, %d s, %d threads: %d transactions, %d auto-commit inserts, %d reads%n%n",
				this.seed, this.ran.toSeconds(), this.threads, kinds.getOrDefault(Kind.TRANSACTION, 0L),
				kinds.getOrDefault(Kind.AUTO_COMMIT_INSERT, 0L), kinds.getOrDefault(Kind.READ, 0L)));
		table.append("| | count |\n|---|---:|\n");
		for (FaultKind kind : FaultKind.values()) {
			table.append(String.format("| fault: %s (took effect of scheduled) | %d of %d |%n", kind.description(),
					this.injected.getOrDefault(kind, 0), this.scheduled.getOrDefault(kind, 0)));
		}
		Map<Outcome, Long> writes = new EnumMap<>(Outcome.class);
		Map<Outcome, Long> reads = new EnumMap<>(Outcome.class);
		for (Operation operation : this.operations) {
			(operation.kind().writes() ? writes : reads).merge(operation.outcome(), 1L, Long::sum);
		}
		for (Outcome outcome : Outcome.values()) {
			table
				.append(String.format("| write: %s | %d |%n", outcome.description(), writes.getOrDefault(outcome, 0L)));
		}
		table.append(String.format("| write: unknown, and stored | %d |%n", this.verdict.unknownStored()));
		table.append(String.format("| read: ok | %d |%n", reads.getOrDefault(Outcome.OK, 0L)));
		table.append(String.format("| read: error | %d |%n",
				reads.values().stream().mapToLong(Long::longValue).sum() - reads.getOrDefault(Outcome.OK, 0L)));
		table.append(String.format("| transactions replayed (J7) | %d |%n", this.replayed));
		table.append(String.format("| replays rolled back (J7) | %d |%n", this.replaysRolledBack));
		table.append(String.format("| longest call, ms (bound %d) | %d |%n", this.callBound.toMillis(),
				longestCall().toMillis()));
		this.verdict.violations()
			.forEach((property, found) -> table
				.append(String.format("| violations: %s | %d |%n", property, found.size())));
		this.verdict.violations()
			.forEach((property, found) -> found.stream()
				.limit(SHOWN)
				.forEach((violation) -> table.append(String.format("%n%s: %s", property, violation))));
		this.faultFailures.forEach((failure) -> table.append(String.format("%nfault not applied: %s", failure)));
		return table.toString();
	}

}
