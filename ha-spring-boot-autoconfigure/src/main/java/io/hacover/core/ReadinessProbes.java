package io.hacover.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The readiness probes of a table: one per endpoint (host and port), shared by every
 * connection to it. While a recovery of any of them waits, the endpoint's probe checks
 * every {@code interval} whether the port accepts a TCP connection, with at most one
 * probe in flight, so that a hundred connections to a server that is down put one probe
 * per interval on it, not a hundred reconnects; and the recoveries attempt the real
 * reconnect as soon as the port opens instead of sleeping out their back-off blind to the
 * server.
 */
final class ReadinessProbes {

	/**
	 * How long the port may have been open while attempts still fail (a server that
	 * accepts connections but is still starting, PostgreSQL's {@code 57P03}) before the
	 * recovery policy's back-off spaces them again.
	 */
	static final Duration STARTING_WINDOW = Duration.ofSeconds(1);

	private static final Duration LONGEST_CONNECT = Duration.ofMillis(500);

	private final Duration interval;

	private final ConcurrentMap<List<InetSocketAddress>, Probe> probes = new ConcurrentHashMap<>();

	private final ConcurrentMap<InetSocketAddress, AtomicLong> sent = new ConcurrentHashMap<>();

	/**
	 * Creates the probes of a table.
	 * @param interval the time between two probes of an endpoint, positive
	 */
	ReadinessProbes(Duration interval) {
		this.interval = interval;
	}

	/**
	 * Returns the readiness of a connection to the given endpoints, or {@code null} when
	 * it names none.
	 */
	Readiness of(List<InetSocketAddress> endpoints) {
		if (endpoints.isEmpty()) {
			return null;
		}
		List<InetSocketAddress> keys = endpoints.stream().map(ReadinessProbes::key).toList();
		return new Readiness(this.probes.computeIfAbsent(keys, Probe::new));
	}

	/**
	 * Returns how many probes were sent to an endpoint.
	 */
	long sent(InetSocketAddress endpoint) {
		AtomicLong count = this.sent.get(key(endpoint));
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Returns the endpoint by host name (or address as given) and port, resolved or not.
	 */
	private static InetSocketAddress key(InetSocketAddress endpoint) {
		return InetSocketAddress.createUnresolved(endpoint.getHostString(), endpoint.getPort());
	}

	/**
	 * What the recovery of one connection waits on: the probe of its endpoints, shared
	 * with every connection to the same ones; any one open will do (the first host of a
	 * multi-host URL that is up).
	 */
	final class Readiness {

		private final Probe probe;

		private Readiness(Probe probe) {
			this.probe = probe;
		}

		/**
		 * Asks a probe sent after this call whether one of the endpoints is open, and if
		 * none is, waits until one opens.
		 * @param deadline when to stop waiting, in {@link System#nanoTime()}
		 * @return {@link Port#OPEN} if one was open at once, {@link Port#OPENED} if one
		 * opened while waiting, {@link Port#CLOSED} if none opened by the deadline
		 * @throws InterruptedException if interrupted while waiting
		 */
		Port check(long deadline) throws InterruptedException {
			long first = Math.min(deadline, System.nanoTime() + this.probe.endpoints.size() * LONGEST_CONNECT.toNanos()
					+ 2 * interval().toNanos());
			if (this.probe.await(first, false)) {
				return Port.OPEN;
			}
			return this.probe.await(deadline, true) ? Port.OPENED : Port.CLOSED;
		}

		/**
		 * Returns the time between two probes.
		 */
		Duration interval() {
			return ReadinessProbes.this.interval;
		}

	}

	/**
	 * What a probe found of a connection's endpoints.
	 */
	enum Port {

		/**
		 * A port was open at once: the server's port is not what fails the attempts.
		 */
		OPEN,

		/**
		 * No port was open, and then one opened.
		 */
		OPENED,

		/**
		 * No port opened by the deadline.
		 */
		CLOSED

	}

	/**
	 * The probe of the endpoints of a set of connections: a thread that, every interval
	 * while anyone waits, connects to each endpoint in turn until one accepts, and the
	 * latest answer.
	 */
	private final class Probe {

		private final List<InetSocketAddress> endpoints;

		private final ReentrantLock lock = new ReentrantLock();

		private final Condition answered = this.lock.newCondition();

		private long answers;

		private int waiters;

		private boolean running;

		private boolean open;

		Probe(List<InetSocketAddress> endpoints) {
			this.endpoints = endpoints;
		}

		/**
		 * Waits for a probe sent after this call: for its answer, or, with
		 * {@code untilOpen}, until a probe finds the port open.
		 * @return whether the port is open; {@code false} at the deadline
		 */
		boolean await(long deadline, boolean untilOpen) throws InterruptedException {
			this.lock.lock();
			try {
				this.waiters++;
				// A probe in flight may have been sent before the server died: wait for
				// one sent after this call.
				long wanted = this.answers + (this.running ? 2 : 1);
				if (!this.running) {
					this.running = true;
					Thread thread = new Thread(this::run, "ha-probe-" + this.endpoints.get(0));
					thread.setDaemon(true);
					thread.start();
				}
				while (true) {
					if (this.answers >= wanted && (this.open || !untilOpen)) {
						return this.open;
					}
					if (this.answers >= wanted) {
						wanted = this.answers + 1;
					}
					long left = deadline - System.nanoTime();
					if (left <= 0) {
						return false;
					}
					this.answered.awaitNanos(left);
				}
			}
			finally {
				this.waiters--;
				this.lock.unlock();
			}
		}

		private void run() {
			long interval = ReadinessProbes.this.interval.toNanos();
			while (true) {
				boolean up = connects();
				this.lock.lock();
				try {
					this.open = up;
					this.answers++;
					this.answered.signalAll();
					if (this.waiters == 0) {
						this.running = false;
						return;
					}
				}
				finally {
					this.lock.unlock();
				}
				try {
					TimeUnit.NANOSECONDS.sleep(interval);
				}
				catch (InterruptedException ex) {
					this.lock.lock();
					try {
						this.running = false;
					}
					finally {
						this.lock.unlock();
					}
					return;
				}
			}
		}

		private boolean connects() {
			for (InetSocketAddress endpoint : this.endpoints) {
				ReadinessProbes.this.sent.computeIfAbsent(endpoint, (key) -> new AtomicLong()).incrementAndGet();
				InetSocketAddress address = new InetSocketAddress(endpoint.getHostString(), endpoint.getPort());
				if (address.isUnresolved()) {
					continue;
				}
				long timeout = Math.max(ReadinessProbes.this.interval.toMillis(), LONGEST_CONNECT.toMillis());
				try (Socket socket = new Socket()) {
					socket.connect(address, (int) timeout);
					return true;
				}
				catch (IOException ex) {
					// Closed, refused or silent: try the next endpoint.
				}
			}
			return false;
		}

	}

}
