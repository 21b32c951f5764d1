package io.hacover.spring;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.util.Assert;

/**
 * {@link HaListener} that publishes every {@link HaEvent} as a {@link HaConnectionEvent}
 * through Spring's {@link ApplicationEventPublisher}.
 * <p>
 * Once the application context is refreshed, each event is published at once, on the
 * thread where it happened. Events that happen earlier, such as the {@code ATTACHED} of
 * each HA connection bean created at start-up, are held and published, in order, when the
 * context is refreshed ({@link ContextRefreshedEvent}), on the thread that refreshes it:
 * Spring registers {@link EventListener @EventListener} methods only after the context
 * has created its singletons, so they would miss them otherwise. Meant to be a bean of
 * that context, which tells it of the refresh.
 */
public class HaApplicationEventPublisher implements HaListener, ApplicationListener<ContextRefreshedEvent> {

	private static final Log logger = LogFactory.getLog(HaApplicationEventPublisher.class);

	private final ApplicationEventPublisher publisher;

	private final Supplier<HaConnections> connections;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile Queue<HaConnectionEvent> held = new ArrayDeque<>();

	/**
	 * Creates a publisher.
	 * @param publisher where events are published
	 * @param connections the table whose events this listener hears, the source of the
	 * events; asked for at each event, so that the table can be created after this
	 * listener and add it
	 */
	public HaApplicationEventPublisher(ApplicationEventPublisher publisher, Supplier<HaConnections> connections) {
		Assert.notNull(publisher, "'publisher' must not be null");
		Assert.notNull(connections, "'connections' must not be null");
		this.publisher = publisher;
		this.connections = connections;
	}

	/**
	 * Publishes the event as a {@link HaConnectionEvent}, or holds it until the context
	 * is refreshed.
	 * @param event the engine's event
	 */
	@Override
	public void onEvent(HaEvent event) {
		HaConnectionEvent published = new HaConnectionEvent(this.connections.get(), event);
		if (this.held == null || !hold(published)) {
			this.publisher.publishEvent(published);
		}
	}

	/**
	 * Publishes the events held so far; from now on, events are published as they happen.
	 * A listener that throws on a held event is logged and ignored, as the engine does
	 * for events published as they happen.
	 * @param event the refresh of the context
	 */
	@Override
	public void onApplicationEvent(ContextRefreshedEvent event) {
		this.lock.lock();
		try {
			Queue<HaConnectionEvent> queue = this.held;
			if (queue == null) {
				return;
			}
			// Events that the held ones cause on this thread join the queue, in order.
			for (HaConnectionEvent next = queue.poll(); next != null; next = queue.poll()) {
				publishHeld(next);
			}
			this.held = null;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void publishHeld(HaConnectionEvent event) {
		try {
			this.publisher.publishEvent(event);
		}
		catch (RuntimeException ex) {
			logger.warn("A listener of HA connection events failed on " + event.kind() + " of connection '"
					+ event.connection() + "'", ex);
		}
	}

	private boolean hold(HaConnectionEvent event) {
		this.lock.lock();
		try {
			Queue<HaConnectionEvent> queue = this.held;
			if (queue == null) {
				return false;
			}
			queue.add(event);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
