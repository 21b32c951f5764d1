package io.hacover.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.hacover.autoconfigure.HaProperties.BackoffSettings;
import io.hacover.autoconfigure.HaProperties.Settings;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.spring.HaConfigurationException;
import io.hacover.spring.RecoveryPolicyResolver;

import org.springframework.boot.convert.DurationStyle;

/**
 * Resolves the {@link ConnectionSettings} of one connection from
 * {@code ha.connections.<name>}, then {@code ha.defaults}, then the engine's defaults,
 * and checks every value, so that a bad one fails start-up with a message naming the
 * connection, the key and the fix.
 */
final class ConnectionSettingsResolver {

	private static final Duration LONGEST_DELAY = Duration.ofHours(1);

	private static final Duration LONGEST_BUDGET = Duration.ofHours(24);

	private final HaProperties properties;

	private final List<RecoveryPolicyResolver> policyResolvers;

	private final Function<String, Object> beans;

	/**
	 * Creates a resolver.
	 * @param properties the bound properties
	 * @param policyResolvers turn a bean named by {@code policy} into a recovery policy
	 * @param beans finds a bean by name, or returns {@code null}
	 */
	ConnectionSettingsResolver(HaProperties properties, List<RecoveryPolicyResolver> policyResolvers,
			Function<String, Object> beans) {
		this.properties = properties;
		this.policyResolvers = policyResolvers;
		this.beans = beans;
	}

	/**
	 * Returns the settings of every connection that has none of its own.
	 * @return the default settings
	 */
	ConnectionSettings defaults() {
		return resolve(HaConfigurationException.ALL_CONNECTIONS, new RetransmitPolicy[0]);
	}

	/**
	 * Returns the settings of a connection.
	 * @param connection the connection's name
	 * @param annotated the retransmit policy given by {@code @HaAware}, if any
	 * @return the settings
	 * @throws HaConfigurationException if a value is out of range or a policy bean is
	 * unusable
	 */
	ConnectionSettings resolve(String connection, RetransmitPolicy[] annotated) {
		Source source = new Source(connection);
		ConnectionSettings engine = ConnectionSettings.defaults();
		RetransmitPolicy retransmit = source.own(Settings::getRetransmit);
		if (retransmit == null && annotated.length > 0) {
			retransmit = annotated[0];
		}
		if (retransmit == null) {
			retransmit = source.value(Settings::getRetransmit, "retransmit").orElse(engine.retransmit());
		}
		int maxRetransmissions = source.value(Settings::getMaxRetransmissions, "max-retransmissions")
			.atLeast(0, "re-issues per call")
			.orElse(engine.maxRetransmissions());
		long maxRecoveries = source.value(Settings::getMaxRecoveries, "max-recoveries")
			.atLeast(-1L, "-1 (no limit), 0 (recovery off) or a positive limit")
			.orElse(engine.maxRecoveries());
		long maxConsecutiveFailures = source.value(Settings::getMaxConsecutiveFailures, "max-consecutive-failures")
			.atLeast(-1L, "-1 (no limit) or a positive limit")
			.orElse(engine.maxConsecutiveFailures());
		return new ConnectionSettings(policy(source), retransmit, maxRetransmissions, maxRecoveries,
				maxConsecutiveFailures);
	}

	private RecoveryPolicy policy(Source source) {
		Duration budget = source.backoff(BackoffSettings::getBudget, "budget")
			.duration(LONGEST_BUDGET)
			.orElse(RecoveryPolicy.DEFAULT_BUDGET);
		Value<String> policyBean = source.value(Settings::getPolicy, "policy");
		if (policyBean.orElse(null) != null) {
			return policyFromBean(source.connection, policyBean, budget);
		}
		Value<Duration> initial = source.backoff(BackoffSettings::getInitialDelay, "initial-delay")
			.duration(LONGEST_DELAY);
		Value<Duration> max = source.backoff(BackoffSettings::getMaxDelay, "max-delay").duration(LONGEST_DELAY);
		Value<Duration> jitter = source.backoff(BackoffSettings::getJitter, "jitter").duration(LONGEST_DELAY);
		Duration initialDelay = initial.orElse(RecoveryPolicy.DEFAULT_INITIAL_DELAY);
		Duration maxDelay = max.orElse(RecoveryPolicy.DEFAULT_MAX_DELAY);
		if (maxDelay.compareTo(initialDelay) < 0) {
			throw max.invalid("is " + DurationStyle.SIMPLE.print(maxDelay) + ", shorter than the initial delay "
					+ DurationStyle.SIMPLE.print(initialDelay), "make it at least the initial delay");
		}
		Duration jitterAmount = jitter.orElse(Duration.ZERO);
		if (jitterAmount.compareTo(initialDelay) > 0) {
			throw jitter.invalid("is " + DurationStyle.SIMPLE.print(jitterAmount) + ", longer than the initial delay "
					+ DurationStyle.SIMPLE.print(initialDelay), "make it at most the initial delay");
		}
		double multiplier = source.backoff(BackoffSettings::getMultiplier, "multiplier")
			.between(1.0, 100.0)
			.orElse(RecoveryPolicy.DEFAULT_MULTIPLIER);
		int maxAttempts = source.backoff(BackoffSettings::getMaxAttempts, "max-attempts")
			.atLeast(1, "attempts, the first included")
			.orElse(RecoveryPolicy.DEFAULT_MAX_ATTEMPTS);
		return RecoveryPolicy.exponential(initialDelay, multiplier, maxDelay, maxAttempts, budget, jitterAmount);
	}

	private RecoveryPolicy policyFromBean(String connection, Value<String> name, Duration budget) {
		Object bean = this.beans.apply(name.value);
		if (bean == null) {
			throw name.invalid("no bean named '" + name.value + "'",
					"define a bean of type RecoveryPolicy or BackOff (or, with spring-retry, BackOffPolicy or "
							+ "RetryTemplate) with that name, or remove " + name.key);
		}
		for (RecoveryPolicyResolver resolver : this.policyResolvers) {
			RecoveryPolicy policy = resolver.resolve(bean, budget);
			if (policy != null) {
				return policy;
			}
		}
		throw name.invalid(
				"bean '" + name.value + "' is a " + bean.getClass().getName() + ", which cannot space "
						+ "recovery attempts",
				"name a bean of type RecoveryPolicy or BackOff (or, with spring-retry on the "
						+ "class path, BackOffPolicy or RetryTemplate)");
	}

	/**
	 * Where a connection's values come from: its own section, then the defaults.
	 */
	private final class Source {

		private final String connection;

		private final Settings own;

		Source(String connection) {
			this.connection = connection;
			this.own = ConnectionSettingsResolver.this.properties.getConnections().get(connection);
		}

		<V> V own(Function<Settings, V> getter) {
			return (this.own != null) ? getter.apply(this.own) : null;
		}

		<V> Value<V> value(Function<Settings, V> getter, String key) {
			Settings defaults = ConnectionSettingsResolver.this.properties.getDefaults();
			V mine = own(getter);
			if (mine != null) {
				return new Value<>(this.connection, "ha.connections." + this.connection + "." + key, mine);
			}
			return new Value<>(this.connection, "ha.defaults." + key, getter.apply(defaults));
		}

		<V> Value<V> backoff(Function<BackoffSettings, V> getter, String key) {
			return value((section) -> getter.apply(section.getBackoff()), "backoff." + key);
		}

	}

	/**
	 * A value and the key it was read from.
	 */
	private record Value<V>(String connection, String key, V value) {

		V orElse(V fallback) {
			return (this.value != null) ? this.value : fallback;
		}

		HaConfigurationException invalid(String problem, String fix) {
			return new HaConfigurationException(this.connection, this.key, problem, fix);
		}

		@SuppressWarnings("unchecked")
		Value<V> duration(Duration longest) {
			Duration duration = (Duration) this.value;
			if (duration != null && duration.isNegative()) {
				throw invalid("is " + DurationStyle.SIMPLE.print(duration) + ", a negative duration",
						"give a positive duration such as 100ms or 2s");
			}
			if (duration != null && duration.compareTo(longest) > 0) {
				throw invalid(
						"is " + DurationStyle.SIMPLE.print(duration) + ", longer than the sensible maximum of "
								+ DurationStyle.SIMPLE.print(longest),
						"give a shorter duration; a unit-less number means milliseconds, write 2s for two seconds");
			}
			return this;
		}

		@SuppressWarnings("unchecked")
		<N extends Comparable<N>> Value<V> atLeast(N least, String meaning) {
			N number = (N) this.value;
			if (number != null && number.compareTo(least) < 0) {
				throw invalid("is " + number + ", less than " + least, "give " + meaning);
			}
			return this;
		}

		Value<V> between(double least, double most) {
			Double number = (Double) this.value;
			if (number != null && (number < least || number > most)) {
				throw invalid("is " + number + ", outside " + least + " to " + most,
						"give a factor between " + least + " and " + most);
			}
			return this;
		}

	}

}
