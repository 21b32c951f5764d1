package io.hacover.core;

import java.time.Duration;

import org.springframework.util.Assert;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * How the attempts of one recovery are spaced (H12): a Spring {@link BackOff} that gives
 * the wait before each attempt after the first, and an overall time budget.
 * <p>
 * The first attempt runs at once. After each failed attempt the back-off gives the next
 * wait; when it says {@link BackOffExecution#STOP}, or when the wait would end beyond the
 * budget (counted from the start of the recovery), the recovery gives up (H11).
 */
public final class RecoveryPolicy {

	/**
	 * Wait before the second attempt, by default.
	 */
	public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMillis(50);

	/**
	 * Factor applied to the wait after each failed attempt, by default.
	 */
	public static final double DEFAULT_MULTIPLIER = 2.0;

	/**
	 * Longest wait between two attempts, by default: short, so that a connection is back
	 * within about this long once its server accepts connections again (measured: a
	 * median of 70 ms after a 2 s outage of PostgreSQL, against 400 ms for HikariCP with
	 * Spring's {@code @Retryable}; with waits of up to 2 s it was 1.1 s).
	 */
	public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(250);

	/**
	 * Total number of attempts of one recovery, by default: more than fit in
	 * {@link #DEFAULT_BUDGET} at {@link #DEFAULT_MAX_DELAY}, so that the budget is what
	 * ends a recovery.
	 */
	public static final int DEFAULT_MAX_ATTEMPTS = 150;

	/**
	 * Time budget of one recovery, by default.
	 */
	public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);

	/**
	 * How long past the budget callers waiting for a recovery, and control operations,
	 * wait at most before they give up on it (H28).
	 */
	public static final Duration GRACE = Duration.ofSeconds(1);

	private final BackOff backOff;

	private final Duration budget;

	private final String description;

	private RecoveryPolicy(BackOff backOff, Duration budget, String description) {
		Assert.notNull(backOff, "'backOff' must not be null");
		Assert.isTrue(budget != null && !budget.isNegative(), "'budget' must not be negative");
		this.backOff = backOff;
		this.budget = budget;
		this.description = description;
	}

	/**
	 * Returns the default policy: exponential back-off from
	 * {@link #DEFAULT_INITIAL_DELAY} by {@link #DEFAULT_MULTIPLIER} up to
	 * {@link #DEFAULT_MAX_DELAY}, at most {@link #DEFAULT_MAX_ATTEMPTS} attempts within
	 * {@link #DEFAULT_BUDGET}, no jitter.
	 * @return the default policy
	 */
	public static RecoveryPolicy defaults() {
		return exponential(DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER, DEFAULT_MAX_DELAY, DEFAULT_MAX_ATTEMPTS,
				DEFAULT_BUDGET, Duration.ZERO);
	}

	/**
	 * Starts an exponential policy, with every value at its default until set: for
	 * example {@code RecoveryPolicy.exponential().maxDelay(Duration.ofSeconds(1))
	 * .budget(Duration.ofSeconds(10)).build()}.
	 * @return the builder
	 */
	public static Exponential exponential() {
		return new Exponential();
	}

	/**
	 * Returns an exponential policy; {@link #exponential()} names each value.
	 * @param initialDelay wait before the second attempt
	 * @param multiplier factor applied to the wait after each failed attempt, at least 1
	 * @param maxDelay longest wait between two attempts, at least the initial delay
	 * @param maxAttempts total number of attempts, the first one included, at least 1
	 * @param budget time budget of one recovery
	 * @param jitter random amount added to or taken from each wait, at most the initial
	 * delay
	 * @return the policy
	 * @throws IllegalArgumentException if a value is out of range
	 */
	public static RecoveryPolicy exponential(Duration initialDelay, double multiplier, Duration maxDelay,
			int maxAttempts, Duration budget, Duration jitter) {
		Assert.isTrue(!initialDelay.isNegative(), "'initialDelay' must not be negative");
		Assert.isTrue(multiplier >= 1, "'multiplier' must be at least 1");
		Assert.isTrue(maxDelay.compareTo(initialDelay) >= 0, "'maxDelay' must be at least 'initialDelay'");
		Assert.isTrue(maxAttempts >= 1, "'maxAttempts' must be at least 1");
		Assert.isTrue(!jitter.isNegative() && jitter.compareTo(initialDelay) <= 0,
				"'jitter' must be between zero and 'initialDelay'");
		ExponentialBackOff backOff = new ExponentialBackOff(initialDelay.toMillis(), multiplier);
		backOff.setMaxInterval(maxDelay.toMillis());
		backOff.setMaxAttempts(maxAttempts - 1);
		backOff.setJitter(jitter.toMillis());
		String description = "exponential(initial " + initialDelay.toMillis() + " ms, x" + multiplier + ", max "
				+ maxDelay.toMillis() + " ms, " + maxAttempts + " attempts, budget " + budget.toMillis() + " ms)";
		return new RecoveryPolicy(backOff, budget, description);
	}

	/**
	 * Returns a policy on any Spring {@link BackOff}: its
	 * {@link BackOffExecution#nextBackOff()} is asked after each failed attempt.
	 * @param backOff the back-off
	 * @param budget time budget of one recovery
	 * @return the policy
	 */
	public static RecoveryPolicy of(BackOff backOff, Duration budget) {
		return new RecoveryPolicy(backOff, budget, backOff + " (budget " + budget.toMillis() + " ms)");
	}

	/**
	 * Starts spacing one recovery.
	 * @return the execution to ask after each failed attempt
	 */
	public BackOffExecution start() {
		return this.backOff.start();
	}

	/**
	 * Returns the time budget of one recovery.
	 * @return the budget
	 */
	public Duration budget() {
		return this.budget;
	}

	@Override
	public String toString() {
		return this.description;
	}

	/**
	 * Builds an exponential policy ({@link RecoveryPolicy#exponential()}): each value not
	 * set keeps its default ({@link #DEFAULT_INITIAL_DELAY}, {@link #DEFAULT_MULTIPLIER},
	 * {@link #DEFAULT_MAX_DELAY}, {@link #DEFAULT_MAX_ATTEMPTS}, {@link #DEFAULT_BUDGET},
	 * no jitter). Values are checked by {@link #build()}, as by
	 * {@link RecoveryPolicy#exponential(Duration, double, Duration, int, Duration, Duration)}.
	 */
	public static final class Exponential {

		private Duration initialDelay = DEFAULT_INITIAL_DELAY;

		private double multiplier = DEFAULT_MULTIPLIER;

		private Duration maxDelay = DEFAULT_MAX_DELAY;

		private int maxAttempts = DEFAULT_MAX_ATTEMPTS;

		private Duration budget = DEFAULT_BUDGET;

		private Duration jitter = Duration.ZERO;

		private Exponential() {
		}

		/**
		 * Sets the wait before the second attempt; the first runs at once.
		 * @param initialDelay the wait, not negative
		 * @return this builder
		 */
		public Exponential initialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
			return this;
		}

		/**
		 * Sets the factor applied to the wait after each failed attempt.
		 * @param multiplier the factor, at least 1
		 * @return this builder
		 */
		public Exponential multiplier(double multiplier) {
			this.multiplier = multiplier;
			return this;
		}

		/**
		 * Sets the longest wait between two attempts.
		 * @param maxDelay the longest wait, at least the initial delay
		 * @return this builder
		 */
		public Exponential maxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
			return this;
		}

		/**
		 * Sets the total number of attempts of one recovery, the first one included.
		 * @param maxAttempts the number of attempts, at least 1
		 * @return this builder
		 */
		public Exponential maxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
			return this;
		}

		/**
		 * Sets the time budget of one recovery, from the stale error (H12, H28).
		 * @param budget the budget, not negative
		 * @return this builder
		 */
		public Exponential budget(Duration budget) {
			this.budget = budget;
			return this;
		}

		/**
		 * Sets the random amount added to or taken from each wait.
		 * @param jitter the amount, between zero and the initial delay
		 * @return this builder
		 */
		public Exponential jitter(Duration jitter) {
			this.jitter = jitter;
			return this;
		}

		/**
		 * Returns the policy.
		 * @return the policy
		 * @throws IllegalArgumentException if a value is out of range
		 */
		public RecoveryPolicy build() {
			Assert.notNull(this.initialDelay, "'initialDelay' must not be null");
			Assert.notNull(this.maxDelay, "'maxDelay' must not be null");
			Assert.notNull(this.budget, "'budget' must not be null");
			Assert.notNull(this.jitter, "'jitter' must not be null");
			return RecoveryPolicy.exponential(this.initialDelay, this.multiplier, this.maxDelay, this.maxAttempts,
					this.budget, this.jitter);
		}

	}

	/**
	 * A {@link BackOffExecution} that is told why each attempt failed, just before its
	 * {@link BackOffExecution#nextBackOff() nextBackOff()} is asked for the next wait:
	 * for policies that decide by the kind of failure.
	 */
	public interface FailureAware {

		/**
		 * Called on the recovering thread after a failed attempt, before the next wait is
		 * asked.
		 * @param failure what the recovery function threw
		 */
		void attemptFailed(Throwable failure);

	}

}
