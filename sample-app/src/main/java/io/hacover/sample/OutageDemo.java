package io.hacover.sample;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * The demo: four threads call the HA client without pause while the server behind it is
 * killed and restarted {@code sample.outages} times. Prints one line per outage from the
 * HA connection's counters, then a summary, and keeps the figures in {@link DemoResults}.
 */
final class OutageDemo implements ApplicationRunner {

	private static final int CALLERS = 4;

	private static final int FAILURES_SHOWN = 5;

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final GreetingClient client;

	private final String connection;

	private final EmbeddedLineServer server;

	private final HaConnections connections;

	private final SampleProperties properties;

	private final DemoResults results;

	private final AtomicLongArray callsEnded = new AtomicLongArray(CALLERS);

	OutageDemo(GreetingClient client, String connection, EmbeddedLineServer server, HaConnections connections,
			SampleProperties properties, DemoResults results) {
		this.client = client;
		this.connection = connection;
		this.server = server;
		this.connections = connections;
		this.properties = properties;
		this.results = results;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		System.out.println("calling %s from %d threads; the server is killed %d times, every %d ms, for %d ms"
			.formatted(this.server.address(), CALLERS, this.properties.outages(),
					this.properties.outageInterval().toMillis(), this.properties.downtime().toMillis()));
		AtomicBoolean running = new AtomicBoolean(true);
		List<Thread> callers = new ArrayList<>();
		for (int i = 0; i < CALLERS; i++) {
			int caller = i;
			Thread thread = new Thread(() -> call(caller, running), "caller-" + (caller + 1));
			thread.start();
			callers.add(thread);
		}
		try {
			for (int outage = 1; outage <= this.properties.outages(); outage++) {
				outage(outage);
			}
		}
		finally {
			running.set(false);
			for (Thread caller : callers) {
				caller.join();
			}
		}
		this.results.ended(info());
		System.out.println(("summary: %d outages, %d recoveries (%d reconnects refused while the server was down), "
				+ "%d retransmissions, %d good calls, %d failed calls")
			.formatted(this.results.outages(), this.results.recoveries(), this.results.refusedReconnects(),
					this.results.retransmissions(), this.results.calls(), this.results.failedCalls()));
	}

	private void outage(int outage) throws InterruptedException, IOException {
		sleep(this.properties.outageInterval());
		this.server.kill();
		sleep(this.properties.downtime());
		this.server.restart();
		await("outage " + outage + ": connection '" + this.connection + "' was not recovered",
				() -> info().recoveriesSucceeded() >= outage);
		awaitEveryCallerEndedACall(outage);
		ConnectionInfo info = info();
		this.results.outageEnded(info);
		System.out.println(("outage %d: server killed, down %d ms, restarted; recoveries=%d, retransmissions=%d, "
				+ "failed calls=%d (recovered %d ms after the first failed call)")
			.formatted(outage, this.properties.downtime().toMillis(), info.recoveriesSucceeded(),
					info.retransmissions(), this.results.failedCalls(), info.lastRecovery().duration().toMillis()));
	}

	/**
	 * Waits until each caller has ended the call it had in flight, so that the outage's
	 * retransmissions and failures are all counted.
	 */
	private void awaitEveryCallerEndedACall(int outage) throws InterruptedException {
		long[] before = new long[CALLERS];
		for (int i = 0; i < CALLERS; i++) {
			before[i] = this.callsEnded.get(i);
		}
		await("outage " + outage + ": a caller is stuck", () -> {
			for (int i = 0; i < CALLERS; i++) {
				if (this.callsEnded.get(i) == before[i]) {
					return false;
				}
			}
			return true;
		});
	}

	private static void await(String failure, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(failure + " within " + TIMEOUT.toSeconds() + " s");
			}
			TimeUnit.MILLISECONDS.sleep(10);
		}
	}

	private ConnectionInfo info() {
		return this.connections.find(this.connection)
			.orElseThrow(() -> new IllegalStateException("no HA connection named '" + this.connection + "'"));
	}

	private void call(int caller, AtomicBoolean running) {
		for (long n = 1; running.get(); n++) {
			String text = "hello from caller-" + (caller + 1) + " #" + n;
			try {
				String reply = this.client.echo(text);
				if (text.equals(reply)) {
					this.results.callSucceeded();
				}
				else {
					failed("sent '" + text + "', got '" + reply + "'");
				}
			}
			catch (Exception ex) {
				failed(ex.toString());
			}
			this.callsEnded.incrementAndGet(caller);
		}
	}

	private void failed(String what) {
		if (this.results.callFailed() <= FAILURES_SHOWN) {
			System.out.println(Thread.currentThread().getName() + ": call failed: " + what);
		}
	}

	private static void sleep(Duration duration) throws InterruptedException {
		TimeUnit.MILLISECONDS.sleep(duration.toMillis());
	}

}
