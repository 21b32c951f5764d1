package io.hacover.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one recovery scenario measured: the time from the server being ready again to the
 * first successful call, for each outage, and the errors the callers saw.
 *
 * @param name the scenario
 * @param millis the time to the first success after each outage, in milliseconds
 * @param errors the errors that reached a caller, over all outages
 * @param firstError the first of them, or {@code null}
 */
record Outcome(String name, List<Double> millis, long errors, String firstError) {

	double median() {
		return percentile(50);
	}

	double p90() {
		return percentile(90);
	}

	double max() {
		return percentile(100);
	}

	private double percentile(int percent) {
		if (this.millis.isEmpty()) {
			return Double.NaN;
		}
		List<Double> sorted = new ArrayList<>(this.millis);
		Collections.sort(sorted);
		int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
		return sorted.get(Math.max(rank, 1) - 1);
	}

}
