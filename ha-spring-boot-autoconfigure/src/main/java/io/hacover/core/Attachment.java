package io.hacover.core;

import java.lang.invoke.MethodHandles;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import org.springframework.util.Assert;

/**
 * What to attach: the resource (or how to open it), its interface, name, recovery
 * function, handle and settings. A mutable builder given to
 * {@link HaConnections#attach(Attachment)} or {@link HaConnections#open(Attachment)}.
 *
 * @param <T> the interface the HA connection implements
 */
public final class Attachment<T> {

	final Class<T> type;

	final List<Class<?>> extraInterfaces = new ArrayList<>();

	final T resource;

	final Opener<T> opener;

	String name;

	String kind = "client";

	RecoveryFunction<T> recovery;

	Object handle;

	ConnectionSettings settings;

	StaleConnectionClassifier classifier;

	boolean replace;

	Predicate<Call> idempotent;

	boolean waitForServer;

	MethodHandles.Lookup home;

	OutcomeTranslator outcomeTranslator;

	Function<? super T, ? extends Map<String, ?>> peer;

	List<InetSocketAddress> endpoints = List.of();

	private Attachment(Class<T> type, T resource, Opener<T> opener) {
		Assert.notNull(type, "'type' must not be null");
		Assert.isTrue(type.isInterface(), () -> "'type' must be an interface, not " + type.getName());
		this.type = type;
		this.resource = resource;
		this.opener = opener;
	}

	/**
	 * Starts an attachment of an existing resource; with {@link #replace()}, the resource
	 * may be an HA connection whose recovery function and handle are to be replaced (H3).
	 * @param <T> the interface type
	 * @param type the interface the HA connection implements
	 * @param resource the resource
	 * @return the attachment
	 */
	public static <T> Attachment<T> of(Class<T> type, T resource) {
		Assert.notNull(resource, "'resource' must not be null");
		return new Attachment<>(type, resource, null);
	}

	/**
	 * Starts an attachment of an existing resource that can be opened again the same way.
	 * @param <T> the interface type
	 * @param type the interface the HA connection implements
	 * @param resource the resource, opened by {@code opener}
	 * @param opener how to open it again, for {@link RecoveryContext#reopen()}
	 * @return the attachment
	 */
	public static <T> Attachment<T> of(Class<T> type, T resource, Opener<T> opener) {
		Assert.notNull(resource, "'resource' must not be null");
		Assert.notNull(opener, "'opener' must not be null");
		return new Attachment<>(type, resource, opener);
	}

	/**
	 * Starts an attachment of a resource that {@link HaConnections#open(Attachment)}
	 * opens.
	 * @param <T> the interface type
	 * @param type the interface the HA connection implements
	 * @param opener how to open the resource, now and for
	 * {@link RecoveryContext#reopen()}
	 * @return the attachment
	 */
	public static <T> Attachment<T> opening(Class<T> type, Opener<T> opener) {
		Assert.notNull(opener, "'opener' must not be null");
		return new Attachment<>(type, null, opener);
	}

	/**
	 * Names the connection; names are unique in the table. Without a name, one is made
	 * from the type.
	 * @param name the name
	 * @return this attachment
	 */
	public Attachment<T> name(String name) {
		Assert.hasText(name, "'name' must not be empty");
		this.name = name;
		return this;
	}

	/**
	 * Sets the recovery function. Without one, the connection reopens the way it was
	 * opened, if it has an opener.
	 * @param recovery the recovery function
	 * @return this attachment
	 */
	public Attachment<T> recovery(RecoveryFunction<T> recovery) {
		this.recovery = recovery;
		return this;
	}

	/**
	 * Sets how to tell the server the connection is on now, from the resource in use, for
	 * {@link ConnectionInfo#peer()}: such as its host, port and role. Called for every
	 * snapshot, so it must answer from what the resource already knows, without I/O; a
	 * function that throws shows nothing.
	 * @param peer describes the server of a resource, in the order its entries are to be
	 * shown
	 * @return this attachment
	 */
	public Attachment<T> peer(Function<? super T, ? extends Map<String, ?>> peer) {
		this.peer = peer;
		return this;
	}

	/**
	 * Sets the handle passed back to every recovery (H9).
	 * @param handle the handle
	 * @return this attachment
	 */
	public Attachment<T> handle(Object handle) {
		this.handle = handle;
		return this;
	}

	/**
	 * Sets the connection's settings; without, the table's defaults apply.
	 * @param settings the settings
	 * @return this attachment
	 */
	public Attachment<T> settings(ConnectionSettings settings) {
		this.settings = settings;
		return this;
	}

	/**
	 * Sets the classifier of stale errors; without, the table's classifier applies.
	 * @param classifier the classifier
	 * @return this attachment
	 */
	public Attachment<T> classifier(StaleConnectionClassifier classifier) {
		this.classifier = classifier;
		return this;
	}

	/**
	 * Declares which operations are safe to issue twice, besides the methods marked
	 * {@link Idempotent}: for interfaces the application cannot annotate, such as JDBC's.
	 * An operation for which this holds is re-issued after a recovery whatever the
	 * retransmit policy (H14).
	 * @param idempotent decides from the call: its operation, resource and arguments
	 * @return this attachment
	 */
	public Attachment<T> idempotentWhen(Predicate<Call> idempotent) {
		this.idempotent = idempotent;
		return this;
	}

	/**
	 * Sets what the caller gets instead of {@link OutcomeUnknownException} when an
	 * operation is not re-issued after a recovery (H14): for interfaces whose callers
	 * expect an error of their own kind, such as JDBC's {@code SQLException} with
	 * SQLState {@code 40003}, or whose server can say what became of the operation, such
	 * as a commit whose reply was lost (J4).
	 * @param translator throws the error from the operation and the engine's exception,
	 * or returns the operation's result when the outcome is found to be a success
	 * @return this attachment
	 */
	public Attachment<T> outcomeUnknown(OutcomeTranslator translator) {
		this.outcomeTranslator = translator;
		return this;
	}

	/**
	 * Sets what kind of connection this is, as shown to operators: {@code jdbc},
	 * {@code channel}, {@code http}, {@code socket} or {@code client} (the default, for
	 * the application's own client interfaces).
	 * @param kind the kind
	 * @return this attachment
	 */
	public Attachment<T> kind(String kind) {
		Assert.hasText(kind, "'kind' must not be empty");
		this.kind = kind;
		return this;
	}

	/**
	 * Adds interfaces that the HA connection implements besides its type.
	 * @param interfaces more interfaces, each implemented by the resource
	 * @return this attachment
	 */
	public Attachment<T> alsoImplementing(Class<?>... interfaces) {
		for (Class<?> extra : interfaces) {
			Assert.isTrue(extra.isInterface(), () -> extra.getName() + " is not an interface");
			if (extra != this.type && !this.extraInterfaces.contains(extra)) {
				this.extraInterfaces.add(extra);
			}
		}
		return this;
	}

	/**
	 * Generates the HA connection's class in the package of the lookup, so that it may
	 * implement package-private interfaces of that package (see
	 * {@link #alsoImplementing(Class...)}) and still call the resource directly.
	 * @param lookup {@code MethodHandles.lookup()} of a class of that package
	 * @return this attachment
	 */
	public Attachment<T> generatedIn(MethodHandles.Lookup lookup) {
		Assert.isTrue(lookup.hasFullPrivilegeAccess(), "'lookup' must have full privilege access");
		this.home = lookup;
		return this;
	}

	/**
	 * Names the endpoints (host and port) of the connection's server, or servers, tried
	 * in turn: while the connection recovers, it waits for the table's readiness probe to
	 * find one of their ports open instead of sleeping out its back-off, and attempts the
	 * reconnect as soon as it is (H12). Every connection to an endpoint shares its probe.
	 * @param endpoints the endpoints, none to sleep out the back-off
	 * @return this attachment
	 */
	public Attachment<T> endpoints(List<InetSocketAddress> endpoints) {
		Assert.notNull(endpoints, "'endpoints' must not be null");
		this.endpoints = List.copyOf(endpoints);
		return this;
	}

	/**
	 * Makes {@link HaConnections#open(Attachment)} wait out an outage: when opening fails
	 * with a stale error, it is tried again as a recovery would be, spaced by the
	 * connection's policy within its budget (H12), so that code asking for a connection
	 * while its server restarts gets one when the server is back.
	 * @return this attachment
	 */
	public Attachment<T> waitForServer() {
		this.waitForServer = true;
		return this;
	}

	/**
	 * Asks for the replace option (H3): attaching an HA connection swaps its recovery
	 * function and handle instead of failing.
	 * @return this attachment
	 */
	public Attachment<T> replace() {
		this.replace = true;
		return this;
	}

	/**
	 * Decides what a caller gets when an operation is not re-issued after a recovery: an
	 * error, or, when the outcome could be found out and was a success, the operation's
	 * result.
	 */
	@FunctionalInterface
	public interface OutcomeTranslator {

		/**
		 * Throws the error the caller gets instead of the engine's, or returns what the
		 * operation returns when its outcome is found to be a success. Runs on the
		 * caller's thread, once the connection is recovered.
		 * @param call the operation that was not re-issued, with the failed resource
		 * @param outcomeUnknown the engine's error, whose cause is the stale error
		 * @return the operation's result, when it succeeded
		 * @throws Throwable the error the caller gets
		 */
		Object translate(Call call, OutcomeUnknownException outcomeUnknown) throws Throwable;

	}

}
