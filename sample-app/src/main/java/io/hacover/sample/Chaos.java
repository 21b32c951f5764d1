package io.hacover.sample;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Kills the live demo's embedded servers and brings them back: with
 * {@code sample.chaos.enabled}, one every {@code sample.chaos.interval}, in turn; and one
 * on demand with {@link #kill(String)}. A killed server stays down
 * {@code sample.chaos.downtime}, then restarts on the same port.
 */
final class Chaos implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(Chaos.class);

	private final Map<String, EmbeddedServer> servers;

	private final SampleProperties.Chaos settings;

	private final TaskScheduler scheduler;

	private final Set<String> down = ConcurrentHashMap.newKeySet();

	private final AtomicInteger turn = new AtomicInteger();

	private final ReentrantLock lock = new ReentrantLock();

	private boolean closed;

	/**
	 * Creates the chaos.
	 * @param servers the servers it kills, by name, in the order it takes them
	 * @param settings whether it kills them by itself, how often and for how long
	 * @param scheduler where it restarts them
	 */
	Chaos(Map<String, EmbeddedServer> servers, SampleProperties.Chaos settings, TaskScheduler scheduler) {
		this.servers = servers;
		this.settings = settings;
		this.scheduler = scheduler;
	}

	/**
	 * Returns the names of the servers, in the order they are killed.
	 * @return the names
	 */
	List<String> servers() {
		return List.copyOf(this.servers.keySet());
	}

	/**
	 * Returns the names of the servers killed and not back yet, in the order they are
	 * killed.
	 * @return the names
	 */
	List<String> down() {
		return this.servers.keySet().stream().filter(this.down::contains).toList();
	}

	/**
	 * Returns the settings.
	 * @return the settings
	 */
	SampleProperties.Chaos settings() {
		return this.settings;
	}

	/**
	 * Kills the next server in turn, if the chaos is enabled.
	 */
	@Scheduled(initialDelayString = "${sample.chaos.interval}", fixedRateString = "${sample.chaos.interval}")
	void killNext() {
		if (this.settings.enabled()) {
			List<String> names = servers();
			kill(names.get(this.turn.getAndIncrement() % names.size()));
		}
	}

	/**
	 * Kills a server now and restarts it after the downtime. Does nothing if it is down
	 * already.
	 * @param name the server's name
	 * @throws IllegalArgumentException if no server has that name
	 */
	void kill(String name) {
		EmbeddedServer server = this.servers.get(name);
		if (server == null) {
			throw new IllegalArgumentException("no server is named '" + name + "'; known: " + servers());
		}
		if (!this.down.add(name)) {
			return;
		}
		this.lock.lock();
		try {
			if (this.closed) {
				return;
			}
			logger.info("chaos: killing %s for %d ms".formatted(name, this.settings.downtime().toMillis()));
			server.kill();
			this.scheduler.schedule(() -> restart(name, server), Instant.now().plus(this.settings.downtime()));
		}
		catch (RuntimeException ex) {
			this.down.remove(name);
			throw ex;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void restart(String name, EmbeddedServer server) {
		this.lock.lock();
		try {
			if (!this.closed) {
				server.restart();
				logger.info("chaos: %s is back".formatted(name));
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.error("chaos: %s cannot restart (%s); the next round tries again".formatted(name, ex), ex);
		}
		finally {
			this.down.remove(name);
			this.lock.unlock();
		}
	}

	/**
	 * Stops the chaos: no server is killed or restarted from then on.
	 */
	@Override
	public void close() {
		this.lock.lock();
		try {
			this.closed = true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
