package io.hacover.spring;

import java.time.Duration;

import io.hacover.core.RecoveryPolicy;

import org.springframework.util.backoff.BackOff;

/**
 * Turns a bean named by {@code ha.connections.<name>.policy} into a
 * {@link RecoveryPolicy}. Beans of this type are asked in order; the first
 * non-{@code null} answer wins.
 */
@FunctionalInterface
public interface RecoveryPolicyResolver {

	/**
	 * Returns the policy for the bean, or {@code null} if this resolver does not know its
	 * type.
	 * @param bean the bean named by the connection
	 * @param budget the connection's time budget for one recovery
	 * @return the policy, or {@code null}
	 */
	RecoveryPolicy resolve(Object bean, Duration budget);

	/**
	 * Returns the resolver for the engine's own types: a {@link RecoveryPolicy} as it is,
	 * a Spring {@link BackOff} with the budget.
	 * @return the resolver
	 */
	static RecoveryPolicyResolver standard() {
		return (bean, budget) -> {
			if (bean instanceof RecoveryPolicy policy) {
				return policy;
			}
			if (bean instanceof BackOff backOff) {
				return RecoveryPolicy.of(backOff, budget);
			}
			return null;
		};
	}

}
