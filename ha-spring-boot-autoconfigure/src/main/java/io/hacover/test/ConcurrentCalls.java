package io.hacover.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one call on many threads at once, as callers that hit one outage together.
 */
final class ConcurrentCalls {

	private ConcurrentCalls() {
	}

	/**
	 * Makes the call on {@code callers} threads, released together, and waits for them at
	 * most {@code longest}.
	 * @param callers how many threads
	 * @param call the call; returns what it threw, or {@code null}
	 * @param longest how long all the calls may take together
	 * @return what the calls that failed threw, or an {@link AssertionError} for a call
	 * that did not return in time
	 */
	static List<Throwable> make(int callers, Callable<Throwable> call, Duration longest) {
		ExecutorService threads = Executors.newFixedThreadPool(callers);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Throwable>> calls = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				calls.add(threads.submit(() -> {
					start.await();
					return call.call();
				}));
			}
			start.countDown();
			List<Throwable> failures = new ArrayList<>();
			long deadline = System.nanoTime() + longest.toNanos();
			for (Future<Throwable> made : calls) {
				Throwable failure = outcome(made, deadline, longest);
				if (failure != null) {
					failures.add(failure);
				}
			}
			return failures;
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static Throwable outcome(Future<Throwable> call, long deadline, Duration longest) {
		try {
			return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			return new AssertionError(
					"the call did not return within the budget and grace of " + longest.toMillis() + " ms (H28)");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return ex;
		}
		catch (Exception ex) {
			return ex;
		}
	}

}
