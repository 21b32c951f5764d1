package io.hacover.soak;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos soak for 60 seconds in the normal suite: transactions with unique ids,
 * auto-commit inserts and reads on HA connections, under a seeded schedule of restarts
 * (fast, immediate, SIGKILL of the postmaster), terminated backends, cuts before and
 * after a statement reaches the server, black holes and latency. The history check holds
 * the JDBC cover to its promise: every acknowledged write stored exactly once (J4, J5,
 * J7), nothing stored that was reported rolled back (J1, J7), every error of a documented
 * kind (J2, J4), no call past its budget plus grace (H28, H35). The longer run is the
 * {@code soak} Maven profile ({@link ChaosSoakMain}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChaosSoakTests {

	@Test
	@DisplayName("J1, J4, J5, J7, H28, H35: 60 s of transactions and reads under seeded faults of every kind: "
			+ "every acknowledged write stored once, nothing stored that was reported rolled back, every error "
			+ "documented, no call past its bound")
	void historyHoldsUnderSeededFaults() throws Exception {
		ChaosReport report = new ChaosSoak(Duration.ofSeconds(60), 42, 4).run();
		System.out.println(report.table());
		assertThat(report.violationCount()).as(report.table()).isZero();
		assertThat(report.faultCount()).isGreaterThanOrEqualTo(10);
		assertThat(report.faultKinds()).isGreaterThanOrEqualTo(5);
		assertThat(report.writes()).isGreaterThanOrEqualTo(500);
	}

}
