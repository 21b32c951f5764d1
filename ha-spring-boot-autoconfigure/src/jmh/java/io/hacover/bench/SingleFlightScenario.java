package io.hacover.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;

/**
 * Many threads on one HA connection while its server is killed and restarted: how many
 * recoveries run (single flight, H19: one per outage), how often the recovery function is
 * called (its attempts while the server is down), and how many errors reach the callers
 * (none: the callers wait for the recovery and their calls are re-issued).
 */
final class SingleFlightScenario {

	private final int threads;

	private final int outages;

	private final Duration outage;

	SingleFlightScenario(int threads, int outages, Duration outage) {
		this.threads = threads;
		this.outages = outages;
		this.outage = outage;
	}

	Result run() throws Exception {
		try (EchoServer server = EchoServer.start()) {
			HaConnections connections = HaConnections.create();
			AtomicLong recoveryCalls = new AtomicLong();
			AtomicLong recoveries = new AtomicLong();
			AtomicLong recovered = new AtomicLong();
			connections.addListener((event) -> {
				if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
					recoveries.incrementAndGet();
				}
				else if (event.kind() == HaEvent.Kind.RECOVERED) {
					recovered.incrementAndGet();
				}
			});
			LineClient client = connections.attach(LineClient.class, SocketLineClient.connect(server.port()),
					(context) -> {
						recoveryCalls.incrementAndGet();
						return SocketLineClient.connect(server.port());
					});
			AtomicBoolean running = new AtomicBoolean(true);
			AtomicLong errors = new AtomicLong();
			AtomicLongArray lastSuccess = new AtomicLongArray(this.threads);
			CountDownLatch stopped = new CountDownLatch(this.threads);
			for (int i = 0; i < this.threads; i++) {
				int index = i;
				Thread caller = new Thread(() -> {
					try {
						while (running.get()) {
							try {
								client.send("PING");
								lastSuccess.set(index, System.nanoTime());
							}
							catch (Exception ex) {
								errors.incrementAndGet();
							}
						}
					}
					finally {
						stopped.countDown();
					}
				}, "caller-" + i);
				caller.setDaemon(true);
				caller.start();
			}
			List<Long> recoveriesPerOutage = new ArrayList<>();
			for (int i = 0; i < this.outages; i++) {
				awaitEverySucceededAfter(lastSuccess, System.nanoTime());
				long before = recoveries.get();
				server.kill();
				TimeUnit.NANOSECONDS.sleep(this.outage.toNanos());
				server.restart();
				awaitEverySucceededAfter(lastSuccess, System.nanoTime());
				recoveriesPerOutage.add(recoveries.get() - before);
			}
			running.set(false);
			stopped.await(1, TimeUnit.MINUTES);
			connections.close(client);
			return new Result(this.threads, this.outages, recoveriesPerOutage, recovered.get(), recoveryCalls.get(),
					errors.get());
		}
	}

	private static void awaitEverySucceededAfter(AtomicLongArray lastSuccess, long time) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
		for (int i = 0; i < lastSuccess.length(); i++) {
			while (lastSuccess.get(i) - time < 0) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException("caller " + i + " had no successful call within a minute");
				}
				TimeUnit.MILLISECONDS.sleep(1);
			}
		}
	}

	/**
	 * What the scenario counted.
	 *
	 * @param threads the callers
	 * @param outages the outages
	 * @param recoveriesPerOutage the recoveries started in each outage
	 * @param recovered the successful recoveries in all
	 * @param recoveryCalls the calls of the recovery function in all
	 * @param errors the errors that reached a caller
	 */
	record Result(int threads, int outages, List<Long> recoveriesPerOutage, long recovered, long recoveryCalls,
			long errors) {

		long maxRecoveriesPerOutage() {
			return this.recoveriesPerOutage.stream().mapToLong(Long::longValue).max().orElse(0);
		}

	}

}
