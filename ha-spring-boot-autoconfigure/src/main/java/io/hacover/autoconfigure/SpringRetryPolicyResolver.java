package io.hacover.autoconfigure;

import java.time.Duration;

import io.hacover.core.RecoveryPolicy;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.context.RetryContextSupport;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Lets a connection name a spring-retry {@link BackOffPolicy} or {@link RetryTemplate}
 * bean as its recovery policy. A {@code BackOffPolicy} spaces the attempts (its own
 * sleep) and the connection's {@code backoff.max-attempts} is not used: attempts go on
 * until the budget is spent. A {@code RetryTemplate} brings both its {@link RetryPolicy},
 * which decides whether another attempt follows, and its back-off policy. Interrupting a
 * spring-retry back-off ends the recovery as any interrupted wait does (H23).
 */
final class SpringRetryPolicyResolver implements RecoveryPolicyResolver {

	@Override
	public RecoveryPolicy resolve(Object bean, Duration budget) {
		if (bean instanceof BackOffPolicy backOffPolicy) {
			return RecoveryPolicy.of(new SpringRetryBackOff(null, backOffPolicy, bean), budget);
		}
		if (bean instanceof RetryTemplate template) {
			// RetryTemplate offers no getters for its policies.
			DirectFieldAccessor fields = new DirectFieldAccessor(template);
			RetryPolicy retryPolicy = (RetryPolicy) fields.getPropertyValue("retryPolicy");
			BackOffPolicy backOffPolicy = (BackOffPolicy) fields.getPropertyValue("backOffPolicy");
			return RecoveryPolicy.of(new SpringRetryBackOff(retryPolicy, backOffPolicy, bean), budget);
		}
		return null;
	}

	/**
	 * A Spring {@link BackOff} driven by spring-retry policies: each failed attempt is
	 * registered with the retry policy, which may stop; otherwise the back-off policy
	 * sleeps and no further wait is asked of the engine.
	 */
	private record SpringRetryBackOff(RetryPolicy retryPolicy, BackOffPolicy backOffPolicy,
			Object source) implements BackOff {

		@Override
		public BackOffExecution start() {
			RetryContext retryContext = (this.retryPolicy != null) ? this.retryPolicy.open(null)
					: new RetryContextSupport(null);
			BackOffContext backOffContext = this.backOffPolicy.start(retryContext);
			RecoveryAttemptFailed failure = new RecoveryAttemptFailed();
			return () -> {
				if (this.retryPolicy != null) {
					this.retryPolicy.registerThrowable(retryContext, failure);
					if (!this.retryPolicy.canRetry(retryContext)) {
						return BackOffExecution.STOP;
					}
				}
				try {
					this.backOffPolicy.backOff(backOffContext);
				}
				catch (BackOffInterruptedException ex) {
					Thread.currentThread().interrupt();
					return BackOffExecution.STOP;
				}
				return 0;
			};
		}

		@Override
		public String toString() {
			return "spring-retry " + this.source;
		}

	}

	/**
	 * What the retry policy is told of each failed attempt.
	 */
	private static final class RecoveryAttemptFailed extends RuntimeException {

		RecoveryAttemptFailed() {
			super("a recovery attempt failed", null, false, false);
		}

	}

}
