package io.hacover.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * The table of HA connections: attach, open, replace, detach, duplicate, close and
 * control them (the C library's {@code ha_attach}, {@code ha_detach}, {@code ha_dup},
 * {@code ha_close}, {@code ha_control}).
 * <p>
 * Attaching a resource of interface type {@code T} returns an HA connection: a proxy
 * implementing {@code T} whose identity never changes, whatever recoveries replace the
 * resource behind it. Only attached, opened or duplicated connections are HA-aware (H1).
 * A Spring bean in a Spring application; {@link #create()} without one. Thread-safe.
 * <p>
 * An HA connection is an object of a class generated for its interfaces, whose calls go
 * to the resource directly and allocate nothing while all is well; where no class can be
 * generated (interfaces the engine's class loader cannot see, non-public interfaces of
 * other packages, sealed interfaces, a native image) it is a JDK dynamic proxy. The
 * Spring property {@code hacover.jdk-proxies=true} (a system property or an entry of
 * {@code spring.properties}) makes every HA connection a JDK dynamic proxy.
 */
public final class HaConnections {

	/**
	 * The time between two readiness probes of an endpoint, by default.
	 */
	public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(10);

	private static final Log logger = LogFactory.getLog(HaConnections.class);

	private final ConcurrentMap<String, ConnectionRecord<?>> records = new ConcurrentHashMap<>();

	private final List<HaListener> listeners = new CopyOnWriteArrayList<>();

	private final AtomicLong unnamed = new AtomicLong();

	private final ConnectionSettings defaults;

	private final StaleConnectionClassifier classifier;

	/**
	 * The readiness probes of the endpoints that connections name, or {@code null} when
	 * recoveries sleep out their back-off.
	 */
	private final ReadinessProbes probes;

	private HaConnections(ConnectionSettings defaults, StaleConnectionClassifier classifier, Duration probeInterval) {
		Assert.notNull(defaults, "'defaults' must not be null");
		Assert.notNull(classifier, "'classifier' must not be null");
		this.defaults = defaults;
		this.classifier = classifier;
		Assert.isTrue(probeInterval == null || !probeInterval.isNegative(), "'probeInterval' must not be negative");
		this.probes = (probeInterval != null && !probeInterval.isZero()) ? new ReadinessProbes(probeInterval) : null;
	}

	/**
	 * Creates a table with {@link ConnectionSettings#defaults()} and
	 * {@link StaleConnectionClassifier#defaults()}.
	 * @return a new table
	 */
	public static HaConnections create() {
		return create(ConnectionSettings.defaults(), StaleConnectionClassifier.defaults());
	}

	/**
	 * Creates a table with the given defaults for connections attached without settings
	 * of their own, and {@link StaleConnectionClassifier#defaults()}.
	 * @param defaults the default settings
	 * @return a new table
	 */
	public static HaConnections create(ConnectionSettings defaults) {
		return create(defaults, StaleConnectionClassifier.defaults());
	}

	/**
	 * Creates a table with the given defaults for connections attached without settings
	 * or classifier of their own.
	 * @param defaults the default settings
	 * @param classifier the default classifier of stale errors
	 * @return a new table
	 */
	public static HaConnections create(ConnectionSettings defaults, StaleConnectionClassifier classifier) {
		return create(defaults, classifier, DEFAULT_PROBE_INTERVAL);
	}

	/**
	 * Creates a table with the given defaults and readiness probes: a connection that
	 * names its server's endpoints ({@link Attachment#endpoints(List)}) waits while it
	 * recovers for the probe of those endpoints, shared by every connection to them, to
	 * find a port open, and attempts the reconnect at once instead of sleeping out its
	 * back-off (H12).
	 * @param defaults the default settings
	 * @param classifier the default classifier of stale errors
	 * @param probeInterval the time between two probes of an endpoint;
	 * {@link Duration#ZERO} for no probes: recoveries sleep out their back-off
	 * @return a new table
	 */
	public static HaConnections create(ConnectionSettings defaults, StaleConnectionClassifier classifier,
			Duration probeInterval) {
		return new HaConnections(defaults, classifier, probeInterval);
	}

	/**
	 * Returns how many readiness probes were sent to an endpoint: while its server is
	 * down, one per probe interval whatever the number of connections to it.
	 * @param endpoint the endpoint, as connections name it
	 * @return the number of probes
	 */
	public long probesSent(InetSocketAddress endpoint) {
		return (this.probes != null) ? this.probes.sent(endpoint) : 0;
	}

	/**
	 * Returns what a recovery of a connection to the endpoints waits on, or {@code null}.
	 */
	ReadinessProbes.Readiness readiness(List<InetSocketAddress> endpoints) {
		return (this.probes != null) ? this.probes.of(endpoints) : null;
	}

	/**
	 * Returns the settings of connections attached without settings of their own.
	 * @return the default settings
	 */
	public ConnectionSettings defaults() {
		return this.defaults;
	}

	/**
	 * Attaches a resource with a recovery function: shorthand for
	 * {@code attach(Attachment.of(type, resource).recovery(recovery))}.
	 * @param <T> the interface type
	 * @param type the interface the HA connection implements
	 * @param resource the resource
	 * @param recovery the recovery function
	 * @return the HA connection
	 */
	public <T> T attach(Class<T> type, T resource, RecoveryFunction<T> recovery) {
		return attach(Attachment.of(type, resource).recovery(recovery));
	}

	/**
	 * Attaches a resource and returns its HA connection.
	 * <p>
	 * Attaching an HA connection that is attached fails with
	 * {@link IllegalStateException} (H2), unless the attachment asks for
	 * {@link Attachment#replace() replace}: then its recovery function and handle are
	 * swapped and limits, counters and state stay (H3). Attaching a detached HA
	 * connection makes it HA-aware again, with the new recovery function and handle.
	 * @param <T> the interface type
	 * @param attachment what to attach
	 * @return the HA connection: a new one for a plain resource, the same one for an HA
	 * connection
	 * @throws IllegalStateException if the resource is already HA-aware (H2), or the name
	 * is taken
	 * @throws IllegalArgumentException if replace is asked for a resource that is not an
	 * HA connection (H3), or no recovery function is given for a resource that cannot be
	 * reopened
	 */
	public <T> T attach(Attachment<T> attachment) {
		Assert.notNull(attachment.resource, "'attachment' must have a resource; use open(...) to open one");
		ConnectionProxy<?> existing = handleOf(attachment.resource);
		if (existing != null) {
			return reattach(existing, attachment);
		}
		if (attachment.replace) {
			throw new IllegalArgumentException(
					"cannot replace the recovery function of a " + attachment.resource.getClass().getName()
							+ ": it is not an HA connection; attach it without " + "the replace option");
		}
		requireNotHaAware(attachment.resource);
		return newConnection(attachment, attachment.resource);
	}

	/**
	 * H2, H33: a resource gets one record at most.
	 */
	private void requireNotHaAware(Object resource) {
		ConnectionProxy<?> existing = handleOf(resource);
		if (existing != null) {
			throw new IllegalStateException("the resource is the HA connection '" + existing.record.name
					+ "'; use it as it is, or attach it with the replace option to change its recovery");
		}
		for (ConnectionRecord<?> record : this.records.values()) {
			if (record.resource() == resource) {
				throw new IllegalStateException("the resource is already HA-aware as connection '" + record.name
						+ "'; use that connection, or attach with the replace option to change its recovery");
			}
		}
	}

	/**
	 * Opens a resource with the attachment's opener, then attaches it (H6). If the attach
	 * fails, the freshly opened resource is closed before the error is thrown. An
	 * attachment made with {@link Attachment#of(Class, Object, Opener)} carries a
	 * resource its caller has just opened: it is attached (and closed if that fails) and
	 * the opener is kept for reopening.
	 * @param <T> the interface type
	 * @param attachment what to open and attach
	 * @return the HA connection
	 * @throws Exception when opening fails, or the attach fails as in
	 * {@link #attach(Attachment)}
	 */
	public <T> T open(Attachment<T> attachment) throws Exception {
		Assert.notNull(attachment.opener, "'attachment' must have an opener");
		if (attachment.resource != null) {
			requireNotHaAware(attachment.resource);
		}
		T resource = (attachment.resource != null) ? attachment.resource : openFirst(attachment);
		Assert.state(resource != null, "the opener returned null");
		try {
			requireNotHaAware(resource);
			return newConnection(attachment, resource);
		}
		catch (RuntimeException | Error ex) {
			if (handleOf(resource) == null) {
				Closeables.closeQuietly(resource);
			}
			throw ex;
		}
	}

	/**
	 * Opens the first resource; with {@link Attachment#waitForServer()}, waiting out an
	 * outage by the recovery loop ({@link WaitingOpener}).
	 */
	private <T> T openFirst(Attachment<T> attachment) throws Exception {
		if (!attachment.waitForServer) {
			return attachment.opener.open();
		}
		String name = StringUtils.hasText(attachment.name) ? attachment.name : attachment.type.getSimpleName();
		return new WaitingOpener<>(attachment.opener, name, settingsOf(attachment).policy(), classifierOf(attachment),
				readiness(attachment.endpoints))
			.open();
	}

	/**
	 * Replaces the recovery function and handle of an HA connection (attach with the
	 * replace option, H3), for every duplicate (H25).
	 * @param <T> the interface type
	 * @param connection the HA connection
	 * @param recovery the new recovery function
	 * @param handle the new handle
	 * @return the same HA connection
	 * @throws IllegalArgumentException if {@code connection} is not an HA connection
	 */
	public <T> T replace(T connection, RecoveryFunction<T> recovery, Object handle) {
		ConnectionRecord<T> record = recordOf(connection, "replace its recovery");
		return attach(Attachment.of(record.type, connection).recovery(recovery).handle(handle).replace());
	}

	/**
	 * Detaches an HA connection (H5): later operations act as on the plain resource and
	 * their errors reach the caller unchanged. Waits for a recovery in progress (H22).
	 * @param connection the HA connection
	 * @throws IllegalArgumentException if {@code connection} is not an HA connection
	 * @throws IllegalStateException if it is not attached, or when called from inside its
	 * own recovery function
	 */
	public void detach(Object connection) {
		new ConnectionControl(recordOf(connection, "detach it")).detach();
	}

	/**
	 * Duplicates an HA connection (H25): the duplicate is another HA connection on the
	 * same record, sharing one resource, recovery function, handle, limits and counters.
	 * @param <T> the interface type
	 * @param connection the HA connection
	 * @return the duplicate
	 * @throws IllegalArgumentException if {@code connection} is not an HA connection
	 * @throws IllegalStateException if it is closed
	 */
	@SuppressWarnings("unchecked")
	public <T> T duplicate(T connection) {
		ConnectionProxy<?> handle = requireHandle(connection, "duplicate it");
		ConnectionRecord<T> record = (ConnectionRecord<T>) handle.record;
		return record.locked("duplicate", () -> {
			record.requireOpen("duplicate");
			if (handle.isClosed()) {
				throw new IllegalStateException("connection '" + record.name + "': this duplicate is closed and "
						+ "cannot be duplicated; duplicate one that is open");
			}
			record.addReference();
			return newProxy(record, handle.type());
		});
	}

	/**
	 * Closes an HA connection: detach, then close the resource (H7). With duplicates,
	 * only this duplicate is closed and the resource stays open for the others; the last
	 * one closes it. Calling {@code close()} on a connection whose type is
	 * {@link AutoCloseable} does the same.
	 * @param connection the HA connection
	 * @throws IllegalArgumentException if {@code connection} is not an HA connection
	 * @throws IllegalStateException if this duplicate is already closed, or when called
	 * from inside its own recovery function (H22)
	 * @throws UncheckedIOException if closing the resource failed with an
	 * {@link IOException}
	 */
	public void close(Object connection) {
		try {
			close(requireHandle(connection, "close it"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new IllegalStateException("closing the resource of " + connection + " failed", ex);
		}
	}

	void close(ConnectionProxy<?> handle) throws Exception {
		ConnectionRecord<?> record = handle.record;
		Object resource = record.locked("close", () -> {
			if (!handle.markClosed()) {
				throw new IllegalStateException("connection '" + record.name + "': this duplicate is already closed");
			}
			if (record.releaseReference() > 0) {
				return null;
			}
			record.markClosed();
			this.records.remove(record.name, record);
			return record.resource();
		});
		if (resource != null) {
			record.publish(HaEvent.Kind.CLOSED);
			if (resource instanceof AutoCloseable closeable) {
				closeable.close();
			}
		}
	}

	/**
	 * Returns whether the object is an open, attached HA connection of this table (H1):
	 * neither detached nor closed. A suspended connection, or one whose limits are
	 * reached, is still attached.
	 * @param object any object
	 * @return {@code true} for an open, attached HA connection
	 */
	public boolean isHaAware(Object object) {
		ConnectionProxy<?> handle = handleOf(object);
		return handle != null && handle.record.isAttached() && !handle.isClosed();
	}

	/**
	 * Returns the control operations of an HA connection (H15 to H17).
	 * @param connection the HA connection
	 * @return its control
	 * @throws IllegalArgumentException if {@code connection} is not an HA connection
	 */
	public ConnectionControl control(Object connection) {
		return new ConnectionControl(recordOf(connection, "control it"));
	}

	/**
	 * Returns the control operations of the HA connection with the given name.
	 * @param name the connection's name
	 * @return its control
	 * @throws IllegalArgumentException if no open connection has that name
	 */
	public ConnectionControl control(String name) {
		ConnectionRecord<?> record = this.records.get(name);
		if (record == null) {
			throw new IllegalArgumentException("no HA connection is named '" + name + "'; known: " + names());
		}
		return new ConnectionControl(record);
	}

	/**
	 * Returns a snapshot of every connection that is not closed, by name (H18).
	 * @return the snapshots
	 */
	public List<ConnectionInfo> connections() {
		List<ConnectionInfo> infos = new ArrayList<>();
		this.records.values().forEach((record) -> infos.add(record.info()));
		infos.sort(Comparator.comparing(ConnectionInfo::name));
		return infos;
	}

	/**
	 * Returns a snapshot of the connection with the given name.
	 * @param name the connection's name
	 * @return the snapshot, or empty if no open connection has that name
	 */
	public Optional<ConnectionInfo> find(String name) {
		return Optional.ofNullable(this.records.get(name)).map(ConnectionRecord::info);
	}

	/**
	 * Adds a listener for the events of every connection.
	 * @param listener the listener
	 */
	public void addListener(HaListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Removes a listener.
	 * @param listener the listener
	 */
	public void removeListener(HaListener listener) {
		this.listeners.remove(listener);
	}

	/**
	 * Tells the listeners of what a cover did on one of its connections beyond the
	 * engine's own work: a replayed transaction ({@link HaEvent.Kind#REPLAYED},
	 * {@link HaEvent.Kind#REPLAY_ROLLED_BACK}), a server refused
	 * ({@link HaEvent.Kind#FENCED}). On the calling thread.
	 * @param connection the connection's name
	 * @param kind what happened
	 * @param cause why, or {@code null}
	 */
	public void report(String connection, HaEvent.Kind kind, Throwable cause) {
		Assert.isTrue(
				kind == HaEvent.Kind.REPLAYED || kind == HaEvent.Kind.REPLAY_ROLLED_BACK || kind == HaEvent.Kind.FENCED,
				() -> kind + " is the engine's to tell");
		publish(new HaEvent(kind, connection, Instant.now(), 0, cause, Duration.ZERO));
	}

	/**
	 * Logs the event ({@link RecoveryLogger}), then tells every listener, on the calling
	 * thread, never under a record's lock; what a listener throws, an {@link Error}
	 * included, is logged once and changes nothing else (H32).
	 */
	void publish(HaEvent event) {
		RecoveryLogger.log(event, this::kindOf);
		for (HaListener listener : this.listeners) {
			try {
				listener.onEvent(event);
			}
			catch (Throwable ex) {
				logger.warn("HA listener " + listener + " failed on " + event.kind() + " of connection '"
						+ event.connection() + "'", ex);
			}
		}
	}

	/**
	 * Returns the kind of a connection, for the log, or {@code null} once it is gone.
	 */
	private String kindOf(String connection) {
		ConnectionRecord<?> record = this.records.get(connection);
		return (record != null) ? record.kind : null;
	}

	private <T> T reattach(ConnectionProxy<?> existing, Attachment<T> attachment) {
		@SuppressWarnings("unchecked")
		ConnectionRecord<T> record = (ConnectionRecord<T>) existing.record;
		RecoveryFunction<T> recovery = recoveryOf(attachment, record.name);
		HaEvent.Kind kind = record.locked("attach", () -> {
			record.requireOpen("attach");
			if (attachment.replace) {
				record.requireAttached("replace its recovery function");
				record.replace(recovery, attachment.handle);
				return HaEvent.Kind.REPLACED;
			}
			if (record.isAttached()) {
				throw new IllegalStateException("connection '" + record.name + "' is already HA-aware; attach it with "
						+ "the replace option to swap its recovery function and handle");
			}
			record.reattach(recovery, attachment.handle);
			return HaEvent.Kind.ATTACHED;
		});
		record.publish(kind);
		return attachment.resource;
	}

	private <T> T newConnection(Attachment<T> attachment, T resource) {
		String name = StringUtils.hasText(attachment.name) ? attachment.name
				: StringUtils.uncapitalize(attachment.type.getSimpleName()) + "-" + this.unnamed.incrementAndGet();
		List<Class<?>> interfaces = new ArrayList<>();
		interfaces.add(attachment.type);
		interfaces.addAll(attachment.extraInterfaces);
		for (Class<?> type : interfaces) {
			Assert.isInstanceOf(type, resource, "connection '" + name + "': the resource");
		}
		ConnectionRecord<T> record = new ConnectionRecord<>(this, name, attachment, interfaces, resource,
				recoveryOf(attachment, name), settingsOf(attachment), classifierOf(attachment));
		// H33: the HA connection is made before the record is registered, so that a
		// failure leaves no trace.
		T proxy = newProxy(record, ConnectionClass.of(interfaces.toArray(Class<?>[]::new), attachment.home));
		if (this.records.putIfAbsent(name, record) != null) {
			throw new IllegalStateException("an HA connection named '" + name + "' already exists; choose another "
					+ "name or close that connection first");
		}
		record.publish(HaEvent.Kind.ATTACHED);
		return proxy;
	}

	private ConnectionSettings settingsOf(Attachment<?> attachment) {
		return (attachment.settings != null) ? attachment.settings : this.defaults;
	}

	private StaleConnectionClassifier classifierOf(Attachment<?> attachment) {
		return (attachment.classifier != null) ? attachment.classifier : this.classifier;
	}

	private <T> RecoveryFunction<T> recoveryOf(Attachment<T> attachment, String name) {
		if (attachment.recovery != null) {
			return attachment.recovery;
		}
		if (attachment.opener != null) {
			return RecoveryFunction.reopen();
		}
		throw new IllegalArgumentException("connection '" + name + "': no recovery function given, and the resource "
				+ "was attached without an opener, so it cannot be reopened; give a recovery function");
	}

	private <T> T newProxy(ConnectionRecord<T> record, ConnectionClass type) {
		return record.type.cast(type.newInstance(new ConnectionProxy<>(this, record, type)));
	}

	private ConnectionProxy<?> handleOf(Object object) {
		ConnectionProxy<?> handle = ConnectionProxy.of(object);
		return (handle != null && handle.record.isIn(this)) ? handle : null;
	}

	private ConnectionProxy<?> requireHandle(Object connection, String operation) {
		ConnectionProxy<?> handle = handleOf(connection);
		if (handle == null) {
			throw new IllegalArgumentException("cannot " + operation + ": "
					+ ((connection != null) ? "a " + connection.getClass().getName() : "null")
					+ " is not an HA connection of this table; attach or open it first");
		}
		return handle;
	}

	@SuppressWarnings("unchecked")
	private <T> ConnectionRecord<T> recordOf(T connection, String operation) {
		return (ConnectionRecord<T>) requireHandle(connection, operation).record;
	}

	private String names() {
		return this.records.keySet().stream().sorted().toList().toString();
	}

}
