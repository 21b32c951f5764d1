package io.hacover.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.resilience4j.retry.Retry;
import io.hacover.core.HaConnections;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.retry.RetryCallback;

/**
 * The cost of one call while all is well: the same call on a resource made directly, on
 * its HA connection, and wrapped by each retry library with its defaults (the wrapper and
 * the callback made once, outside the measured call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HappyPathBenchmark {

	private Counter direct;

	private Counter ha;

	private Supplier<Integer> resilience4j;

	private RetryTemplate frameworkRetry;

	private Retryable<Integer> frameworkCall;

	private org.springframework.retry.support.RetryTemplate springRetry;

	private RetryCallback<Integer, RuntimeException> springRetryCall;

	private int argument;

	@Setup
	public void setUp() {
		this.direct = new PlainCounter();
		Counter resource = new PlainCounter();
		this.ha = HaConnections.create().attach(Counter.class, resource, (context) -> resource);
		Counter wrapped = new PlainCounter();
		this.resilience4j = Retry.decorateSupplier(Retry.ofDefaults("bench"), wrapped::next);
		this.frameworkRetry = new RetryTemplate();
		this.frameworkCall = wrapped::next;
		this.springRetry = new org.springframework.retry.support.RetryTemplate();
		this.springRetryCall = (context) -> wrapped.next();
		this.argument = 7;
	}

	@Benchmark
	public int direct() {
		return this.direct.next();
	}

	@Benchmark
	public int ha() {
		return this.ha.next();
	}

	@Benchmark
	public int resilience4jRetry() {
		return this.resilience4j.get();
	}

	@Benchmark
	public int frameworkRetryTemplate() throws RetryException {
		return this.frameworkRetry.execute(this.frameworkCall);
	}

	@Benchmark
	public int springRetryTemplate() {
		return this.springRetry.execute(this.springRetryCall);
	}

	@Benchmark
	public long directWithArgument() {
		return this.direct.add(this.argument);
	}

	@Benchmark
	public long haWithArgument() {
		return this.ha.add(this.argument);
	}

	/**
	 * The resource: a no-argument method returning an {@code int}, and one with an
	 * argument.
	 */
	public interface Counter {

		/**
		 * Counts one.
		 * @return the count
		 */
		int next();

		/**
		 * Adds to the count.
		 * @param amount what to add
		 * @return the new count
		 */
		long add(int amount);

	}

	static final class PlainCounter implements Counter {

		private long count;

		@Override
		public int next() {
			return (int) ++this.count;
		}

		@Override
		public long add(int amount) {
			this.count += amount;
			return this.count;
		}

	}

}
