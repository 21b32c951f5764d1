package io.hacover.soak;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.hacover.soak.Operation.Kind;
import io.hacover.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak's {@link Checker} finds each kind of violation it claims to find, so that a
 * clean soak means something.
 */
class CheckerTests {

	private static final long SECOND = Duration.ofSeconds(1).toNanos();

	private static PostgresServer server;

	@BeforeAll
	static void startServer() throws Exception {
		server = PostgresServer.start();
		server.execute(Workload.schema(2));
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@DisplayName("a clean history against its table has no violation")
	void cleanHistoryHasNoViolation() throws Exception {
		server
			.execute("truncate soak_tx; update soak_counter set n = 0; update soak_counter set n = 1 where thread = 0; "
					+ "insert into soak_tx (id, thread, kind) values ('t0-0', 0, 'transaction'), ('t0-2', 0, 'auto-commit')");
		List<Operation> history = List.of(write("t0-0", Kind.TRANSACTION, Outcome.OK),
				write("t0-1", Kind.TRANSACTION, Outcome.ROLLED_BACK),
				write("t0-2", Kind.AUTO_COMMIT_INSERT, Outcome.STATEMENT_UNKNOWN),
				write("t0-3", Kind.TRANSACTION, Outcome.COMMIT_UNKNOWN), read("t0-4", 2, 1, 3));
		Checker.Verdict verdict = new Checker(Duration.ofSeconds(2)).check(history, List.of(), server.dataSource());
		assertThat(verdict.unknownStored()).isOne();
		assertThat(verdict.violations()).allSatisfy((property, found) -> assertThat(found).as(property).isEmpty());
	}

	@Test
	@DisplayName("lost, doubled and unacknowledged writes, half transactions, stale reads, undocumented errors, "
			+ "long calls and hung threads are each found under their property")
	void everyViolationIsFound() throws Exception {
		server
			.execute("truncate soak_tx; update soak_counter set n = 0; update soak_counter set n = 1 where thread = 1; "
					+ "insert into soak_tx (id, thread, kind) values ('t0-0', 0, 'auto-commit'), "
					+ "('t0-0', 0, 'auto-commit'), ('t0-2', 0, 'auto-commit'), ('t0-3', 0, 'auto-commit'), "
					+ "('t0-9', 0, 'auto-commit')");
		List<Operation> history = List.of(write("t0-0", Kind.AUTO_COMMIT_INSERT, Outcome.OK),
				write("t0-1", Kind.AUTO_COMMIT_INSERT, Outcome.OK),
				write("t0-2", Kind.TRANSACTION, Outcome.ROLLED_BACK),
				write("t0-3", Kind.AUTO_COMMIT_INSERT, Outcome.UNDOCUMENTED), read("t0-4", 0, 1, 2),
				new Operation("t0-5", 0, Kind.READ, 0, 3 * SECOND, Outcome.OK, null, 0, 0, 0));
		Map<String, List<String>> violations = new Checker(Duration.ofSeconds(2))
			.check(history, List.of("chaos-workload-1 in READ t1-7"), server.dataSource())
			.violations();
		assertThat(violations.get(Checker.EXACTLY_ONCE)).containsExactlyInAnyOrder("t0-0 acknowledged, stored 2 times",
				"t0-1 acknowledged, stored 0 times", "t0-0 stored 2 times");
		assertThat(violations.get(Checker.DOCUMENTED)).containsExactly("t0-3: SQLException 08006");
		assertThat(violations.get(Checker.NOTHING_UNACKNOWLEDGED)).containsExactlyInAnyOrder(
				"t0-2 stored, but reported ROLLED_BACK", "t0-3 stored, but reported UNDOCUMENTED",
				"t0-9 stored, but no operation wrote it");
		assertThat(violations.get(Checker.NONE_HALF)).containsExactly("thread 1: counter 1, rows of transactions 0");
		assertThat(violations.get(Checker.READS)).containsExactly("t0-4 counted 0 rows, expected 1 to 2");
		assertThat(violations.get(Checker.NO_HANG)).containsExactly("t0-5: a call took 3000 ms",
				"chaos-workload-1 in READ t1-7 did not stop");
	}

	private static Operation write(String id, Kind kind, Outcome outcome) {
		String error = (outcome != Outcome.OK) ? "SQLException 08006" : null;
		return new Operation(id, 0, kind, 0, SECOND / 10, outcome, error, -1, 0, 0);
	}

	private static Operation read(String id, long counted, long low, long high) {
		return new Operation(id, 0, Kind.READ, 0, SECOND / 10, Outcome.OK, null, counted, low, high);
	}

}
