package io.hacover.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded schedule of faults: the same seed and duration give the same faults, in the
 * same order, with the same gaps.
 * <p>
 * Faults never overlap nor bunch up: each one begins a random gap (1 to 3 seconds) after
 * the previous one ended (held, healed, the server started again), so that a fault that
 * takes its time delays the ones after it instead of making them follow at once, and
 * every outage is one fault long. Their kinds are drawn uniformly from every
 * {@link FaultKind}. The schedule holds enough faults for the duration even if each took
 * no time; the soak stops at its duration, whichever fault it reached.
 */
final class Schedule {

	private static final long MIN_GAP_MILLIS = 1_000;

	private static final long MAX_GAP_MILLIS = 3_000;

	private static final long MIN_HOLD_MILLIS = 1_000;

	private static final long MAX_HOLD_MILLIS = 2_500;

	private final long seed;

	private final List<Fault> faults;

	private Schedule(long seed, List<Fault> faults) {
		this.seed = seed;
		this.faults = List.copyOf(faults);
	}

	/**
	 * Draws the faults of a soak of the given duration.
	 * @param seed the seed of the random numbers
	 * @param duration how long the soak runs; no fault begins after it
	 * @return the schedule
	 */
	static Schedule of(long seed, Duration duration) {
		Random random = new Random(seed);
		FaultKind[] kinds = FaultKind.values();
		List<Fault> faults = new ArrayList<>();
		for (long at = 0; at < duration.toMillis();) {
			long gap = between(random, MIN_GAP_MILLIS, MAX_GAP_MILLIS);
			FaultKind kind = kinds[random.nextInt(kinds.length)];
			long hold = kind.holds() ? between(random, MIN_HOLD_MILLIS, MAX_HOLD_MILLIS) : 0;
			faults.add(new Fault(Duration.ofMillis(gap), kind, Duration.ofMillis(hold), random.nextInt(1_000_000)));
			at += gap + hold;
		}
		return new Schedule(seed, faults);
	}

	private static long between(Random random, long min, long max) {
		return min + (long) (random.nextDouble() * (max - min));
	}

	/**
	 * Returns the seed the schedule was drawn with.
	 * @return the seed
	 */
	long seed() {
		return this.seed;
	}

	/**
	 * Returns the faults, by time.
	 * @return the faults
	 */
	List<Fault> faults() {
		return this.faults;
	}

}
