package io.hacover.spring;

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
public final class SpringRetryPolicyResolver implements RecoveryPolicyResolver {

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
			return new Execution(this.retryPolicy, retryContext, this.backOffPolicy,
					this.backOffPolicy.start(retryContext));
		}

		@Override
		public String toString() {
			return "spring-retry " + this.source;
		}

	}

	/**
	 * One recovery's spacing: each failure is registered with the retry policy, which may
	 * stop; otherwise the back-off policy sleeps.
	 */
	private record Execution(RetryPolicy retryPolicy, RetryContext retryContext, BackOffPolicy backOffPolicy,
			BackOffContext backOffContext) implements BackOffExecution, RecoveryPolicy.FailureAware {

		@Override
		public void attemptFailed(Throwable failure) {
			if (this.retryPolicy != null) {
				this.retryPolicy.registerThrowable(this.retryContext, failure);
			}
		}

		@Override
		public long nextBackOff() {
			if (this.retryPolicy != null && !this.retryPolicy.canRetry(this.retryContext)) {
				return BackOffExecution.STOP;
			}
			try {
				this.backOffPolicy.backOff(this.backOffContext);
			}
			catch (BackOffInterruptedException ex) {
				Thread.currentThread().interrupt();
				return BackOffExecution.STOP;
			}
			return 0;
		}

	}

}
