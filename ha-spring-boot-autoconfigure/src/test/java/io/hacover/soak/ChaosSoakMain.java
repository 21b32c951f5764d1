package io.hacover.soak;

import java.time.Duration;

import org.springframework.boot.convert.DurationStyle;

/**
 * Runs a {@link ChaosSoak} from the {@code soak} Maven profile: system properties
 * {@code soak.duration} (for example {@code 10m}), {@code soak.seed} and
 * {@code soak.threads}. Prints the table and exits with status 1 on any violation.
 */
public final class ChaosSoakMain {

	private ChaosSoakMain() {
	}

	/**
	 * Runs the soak.
	 * @param args not used
	 * @throws Exception if the soak cannot run
	 */
	public static void main(String[] args) throws Exception {
		Duration duration = DurationStyle.detectAndParse(System.getProperty("soak.duration", "60s"));
		long seed = Long.parseLong(System.getProperty("soak.seed", "42"));
		int threads = Integer.parseInt(System.getProperty("soak.threads", "4"));
		ChaosReport report = new ChaosSoak(duration, seed, threads).run();
		System.out.println(report.table());
		System.exit((report.violationCount() == 0) ? 0 : 1);
	}

}
