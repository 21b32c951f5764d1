package io.hacover.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.hacover.core.ConnectionControl;
import io.hacover.core.HaConnections;

import org.springframework.context.ApplicationContext;
import org.springframework.util.Assert;

/**
 * Checks that the recovery function of an HA connection does its job, in the running
 * application context, against the connection's real server. A test names the connection
 * and gives a harmless call:
 *
 * <pre class="code">
 * RecoveryContract.of(context, "greeting", GreetingClient.class)
 *     .call((client) -&gt; client.echo("ping"))
 *     .verify();
 * </pre>
 *
 * {@link #verify()} makes the connection fail as if its server had died (an injected
 * fault, {@link ConnectionControl#injectFailures(int)} and
 * {@link ConnectionControl#injectOutage()}), so that the connection's own recovery
 * function runs for real, and checks:
 * <ol>
 * <li>one outage with {@value #CALLERS} callers at once gives exactly one recovery, and
 * every call succeeds (H19);</li>
 * <li>the function returns a resource of the connection's type (H29);</li>
 * <li>it closes (or reuses) the resource it replaces: after each of {@value #OUTAGES}
 * outages, the call must fail on the replaced resource, whose server is still up; else
 * the function left it open;</li>
 * <li>a long outage ends within the connection's budget and the grace of H28, with the
 * original error and the reason of the give-up attached as suppressed (H11, H12), and
 * once the server is back the function recovers the connection;</li>
 * <li>a recovery bean replaced in the context takes effect at the next recovery (H4): the
 * kit puts a counting wrapper in its place, then the bean itself back; skipped when the
 * connection names no recovery bean;</li>
 * <li>the {@linkplain #state(ClientCall, ClientCall) state check} holds after each
 * recovery (H27); skipped when none is given.</li>
 * </ol>
 * The outage of check 4 lasts the connection's whole budget: give the connection a short
 * one in the test's properties (at most {@link #LONGEST_BUDGET}), or that check fails and
 * says so.
 * <p>
 * While it runs, the kit puts a wrapper around the connection's recovery function that
 * watches what it returns and passes it on unchanged (H3), and it puts the function back
 * at the end. Other users of the connection in the application go on working: they may
 * see the outages, as they would see real ones.
 *
 * @param <T> the type of the connection
 */
public final class RecoveryContract<T> {

	/**
	 * How many callers share one outage in check 1.
	 */
	public static final int CALLERS = 32;

	/**
	 * How many outages check 3 makes.
	 */
	public static final int OUTAGES = 20;

	/**
	 * The longest recovery budget with which check 4 runs: five seconds.
	 */
	public static final Duration LONGEST_BUDGET = Duration.ofSeconds(5);

	private final ApplicationContext context;

	private final String name;

	private final Class<T> type;

	private ClientCall<T> call;

	private ClientCall<T> setState;

	private ClientCall<T> checkState;

	private Predicate<? super T> isOpen;

	private RecoveryContract(ApplicationContext context, String name, Class<T> type) {
		this.context = context;
		this.name = name;
		this.type = type;
	}

	/**
	 * Starts the contract of an HA connection that is a bean of the context.
	 * @param <T> the type of the connection
	 * @param context the running application context, with its {@link HaConnections}
	 * @param connection the connection's name, as {@code @HaAware(name = ...)} gives it
	 * @param type the interface of the connection's bean
	 * @return the contract, to give a call to
	 */
	public static <T> RecoveryContract<T> of(ApplicationContext context, String connection, Class<T> type) {
		Assert.notNull(context, "'context' must not be null");
		Assert.hasText(connection, "'connection' must not be empty");
		Assert.notNull(type, "'type' must not be null");
		return new RecoveryContract<>(context, connection, type);
	}

	/**
	 * Sets the call that the checks make: harmless to make many times, and one that talks
	 * to the server, such as a ping or an echo. Required.
	 * @param call the call, made on the HA connection, and on a replaced resource to see
	 * whether it is still open
	 * @return this contract
	 */
	public RecoveryContract<T> call(ClientCall<T> call) {
		Assert.notNull(call, "'call' must not be null");
		this.call = call;
		return this;
	}

	/**
	 * Sets session state that the recovery function must rebuild (H27), and how to check
	 * it: {@code set} runs once on the HA connection before the first outage, and
	 * {@code check} after each recovery; {@code check} fails by throwing, an
	 * {@link AssertionError} for example.
	 * @param set sets the state on the connection, for example a setting the server keeps
	 * per connection
	 * @param check throws when the state is not there
	 * @return this contract
	 */
	public RecoveryContract<T> state(ClientCall<T> set, ClientCall<T> check) {
		Assert.notNull(set, "'set' must not be null");
		Assert.notNull(check, "'check' must not be null");
		this.setState = set;
		this.checkState = check;
		return this;
	}

	/**
	 * Sets how check 3 tells that a replaced resource is still open, for a resource on
	 * which the call answers even when it is closed. By default, a replaced resource is
	 * open when the call succeeds on it.
	 * @param isOpen whether the replaced resource is still open
	 * @return this contract
	 */
	public RecoveryContract<T> isOpen(Predicate<? super T> isOpen) {
		Assert.notNull(isOpen, "'isOpen' must not be null");
		this.isOpen = isOpen;
		return this;
	}

	/**
	 * Runs the checks, and puts the connection's recovery function back afterwards.
	 * @throws AssertionError listing every check that failed: what is wrong, and how to
	 * fix it
	 * @throws IllegalArgumentException if no bean of the type is the named HA connection
	 * @throws IllegalStateException if no call was given
	 */
	public void verify() {
		Assert.state(this.call != null, "give the contract a harmless call with call(...) before verify()");
		HaConnections connections = this.context.getBean(HaConnections.class);
		T connection = find(connections);
		new ContractRun<>(this.context, this.name, this.type, connection, connections.control(connection), this.call,
				this.setState, this.checkState, this.isOpen)
			.run();
	}

	private T find(HaConnections connections) {
		List<String> names = new ArrayList<>();
		for (T bean : this.context.getBeansOfType(this.type).values()) {
			if (connections.isHaAware(bean)) {
				String name = connections.control(bean).info().name();
				if (name.equals(this.name)) {
					return bean;
				}
				names.add(name);
			}
		}
		names.sort(null);
		throw new IllegalArgumentException("no bean of type " + this.type.getName() + " is the HA connection '"
				+ this.name + "'; the HA connections of that type are " + names
				+ "; name the connection as @HaAware(name = ...) does, and the interface its bean is declared as");
	}

	/**
	 * A call on the connection, or on a resource behind it.
	 *
	 * @param <T> the type of the connection
	 */
	@FunctionalInterface
	public interface ClientCall<T> {

		/**
		 * Makes the call.
		 * @param client the HA connection, or a resource behind it
		 * @throws Exception when the call fails
		 */
		void call(T client) throws Exception;

	}

}
