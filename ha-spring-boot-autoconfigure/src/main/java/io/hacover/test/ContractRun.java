package io.hacover.test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.hacover.core.ConnectionControl;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.InjectedFault;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RecoveryPolicy;
import io.hacover.spring.BeanNameRecoveryFunction;
import io.hacover.test.RecoveryContract.ClientCall;

import org.springframework.context.ApplicationContext;

/**
 * One run of the checks of a {@link RecoveryContract} on one connection.
 *
 * @param <T> the type of the connection
 */
final class ContractRun<T> {

	static final String SINGLE_FLIGHT = "1. one recovery for " + RecoveryContract.CALLERS + " callers";

	static final String TYPE = "2. returns a resource of the connection's type";

	static final String CLOSES = "3. closes what it replaces";

	static final String BUDGET = "4. gives up within the budget";

	static final String BEAN = "5. a replaced recovery bean takes effect";

	static final String STATE = "6. the state holds after each recovery";

	private static final int CHECKS = 6;

	private final ApplicationContext context;

	private final String name;

	private final Class<T> type;

	private final T connection;

	private final ConnectionControl control;

	private final ClientCall<T> call;

	private final ClientCall<T> setState;

	private final StateCheck<T> state;

	private final Predicate<? super T> isOpen;

	private final Duration longestCall;

	private final ObservedRecovery<T> observed;

	private final ContractReport report;

	@SuppressWarnings("unchecked")
	ContractRun(ApplicationContext context, String name, Class<T> type, T connection, ConnectionControl control,
			ClientCall<T> call, ClientCall<T> setState, ClientCall<T> checkState, Predicate<? super T> isOpen) {
		this.context = context;
		this.name = name;
		this.type = type;
		this.connection = connection;
		this.control = control;
		this.call = call;
		this.setState = setState;
		this.state = (checkState != null) ? new StateCheck<>(connection, checkState) : null;
		this.isOpen = isOpen;
		this.longestCall = control.settings().policy().budget().plus(RecoveryPolicy.GRACE);
		this.observed = new ObservedRecovery<>((RecoveryFunction<T>) control.recovery());
		this.report = new ContractReport(
				"connection '" + name + "' (" + type.getSimpleName() + ", " + function() + ")");
	}

	void run() {
		before("the call", this.call);
		if (this.setState != null) {
			before("setting the state", this.setState);
		}
		this.control.replaceRecovery(this.observed);
		try {
			check(SINGLE_FLIGHT, this::oneRecoveryForManyCallers);
			check(CLOSES, this::closesWhatItReplaces);
			check(BUDGET, this::givesUpWithinTheBudget);
			check(BEAN, this::replacedBeanTakesEffect);
		}
		finally {
			this.control.replaceRecovery(this.observed.function());
		}
		returnsTheConnectionsType();
		stateHeld();
		this.report.conclude(CHECKS);
	}

	private void before(String what, ClientCall<T> action) {
		try {
			action.call(this.connection);
		}
		catch (Throwable ex) {
			throw new AssertionError("connection '" + this.name + "': " + what + " failed before any fault was "
					+ "injected, so the recovery contract cannot run: " + ex + "; fix it, or the connection, first",
					ex);
		}
	}

	private void check(String check, Runnable body) {
		try {
			body.run();
			this.report.passed(check);
		}
		catch (RuntimeException ex) {
			this.report.failed(check, "could not run: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Check 1 (H19).
	 */
	private void oneRecoveryForManyCallers() {
		ConnectionInfo before = this.control.info();
		int seen = this.observed.calls();
		InjectedFault fault = this.control.injectFailures(1);
		List<Throwable> failures;
		try {
			failures = ConcurrentCalls.make(RecoveryContract.CALLERS, this::attempt, this.longestCall);
		}
		finally {
			fault.end();
		}
		ConnectionInfo after = this.control.info();
		long recovered = after.recoveriesSucceeded() - before.recoveriesSucceeded();
		long gaveUp = after.recoveriesFailed() - before.recoveriesFailed();
		if (!failures.isEmpty()) {
			this.report.failed(
					SINGLE_FLIGHT, failures.size() + " of " + RecoveryContract.CALLERS
							+ " calls failed after one outage: " + CallFailure.describe(failures.get(0)) + ".",
					failures.get(0));
		}
		else if (this.observed.since(seen).isEmpty()) {
			this.report.failed(SINGLE_FLIGHT, "the calls succeeded, but no recovery ran: the call does not seem "
					+ "to go through the connection; give a call that talks to its server.", null);
		}
		else if (recovered != 1 || gaveUp != 0) {
			this.report.failed(SINGLE_FLIGHT,
					"one outage gave " + recovered + " recoveries and " + gaveUp + " given up, not exactly one.", null);
		}
		else {
			checkState("after the outage of " + RecoveryContract.CALLERS + " callers");
		}
	}

	/**
	 * Check 3: after each outage, the call on the replaced resource must fail, since the
	 * kit cut it and its server is up.
	 */
	private void closesWhatItReplaces() {
		int leaks = 0;
		int failedCalls = 0;
		Throwable firstFailure = null;
		for (int outage = 1; outage <= RecoveryContract.OUTAGES; outage++) {
			int seen = this.observed.calls();
			InjectedFault fault = this.control.injectFailures(1);
			Throwable failed = attempt();
			fault.end();
			if (failed != null) {
				failedCalls++;
				firstFailure = (firstFailure != null) ? firstFailure : failed;
				continue;
			}
			checkState("after outage " + outage + " of " + RecoveryContract.OUTAGES);
			@SuppressWarnings("unchecked")
			T replaced = (T) fault.resource();
			List<ObservedRecovery.Call> calls = this.observed.since(seen);
			boolean reused = !calls.isEmpty() && calls.get(calls.size() - 1).returned() == replaced;
			if (!reused && stillOpen(replaced)) {
				leaks++;
				closeQuietly(replaced);
			}
		}
		if (failedCalls > 0) {
			this.report.failed(
					CLOSES, failedCalls + " of " + RecoveryContract.OUTAGES
							+ " calls failed after an outage; the first: " + CallFailure.describe(firstFailure) + ".",
					firstFailure);
		}
		if (leaks > 0) {
			this.report.failed(CLOSES, "the recovery function left " + leaks + " of "
					+ (RecoveryContract.OUTAGES - failedCalls)
					+ " replaced resources open: after each recovery, the call still succeeded on "
					+ "context.failedResource(), whose server is up. Close it in the function (context.reopen() "
					+ "closes it for you), or repair it and return it to reuse it. If the call succeeds on a closed "
					+ "resource too, tell the contract how to see that one is open with isOpen(...).", null);
		}
	}

	/**
	 * Check 4 (H11, H12, H28).
	 */
	private void givesUpWithinTheBudget() {
		Duration budget = this.control.settings().policy().budget();
		if (budget.compareTo(RecoveryContract.LONGEST_BUDGET) > 0) {
			this.report.failed(BUDGET,
					"not run: the recovery budget of connection '" + this.name + "' is " + budget.toMillis()
							+ " ms, and this check waits that long; give the connection a budget of at most "
							+ RecoveryContract.LONGEST_BUDGET.toSeconds() + " s in the test's properties, "
							+ "for example ha.connections." + this.name + ".backoff.budget=1s.",
					null);
			return;
		}
		int seen = this.observed.calls();
		InjectedFault outage = this.control.injectOutage();
		long started = System.nanoTime();
		Throwable thrown;
		try {
			thrown = attempt();
		}
		finally {
			outage.end();
		}
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		if (thrown == null) {
			this.report.failed(BUDGET, "the call succeeded while the server was down: it does not seem to go "
					+ "through the connection; give a call that talks to its server.", null);
			return;
		}
		if (took.compareTo(this.longestCall) > 0) {
			this.report.failed(BUDGET, "the call failed after " + took.toMillis() + " ms, past the budget of "
					+ budget.toMillis() + " ms and the grace of " + RecoveryPolicy.GRACE.toMillis() + " ms (H28).",
					thrown);
		}
		if (!CallFailure.isOriginalWithReason(thrown, this.name)) {
			this.report.failed(BUDGET, "the call failed with " + thrown + ", not with the original stale error with "
					+ "the reason of the give-up attached as a suppressed RecoveryFailedException (H11); if the call "
					+ "wraps what it catches, keep the cause.", thrown);
		}
		if (!this.observed.since(seen).isEmpty()) {
			this.report.failed(BUDGET, "the recovery function was called while the server was down.", null);
		}
		Throwable after = attempt();
		if (after != null) {
			this.report.failed(BUDGET,
					"once the server was back, the call still failed: " + CallFailure.describe(after) + ".", after);
			return;
		}
		checkState("after the long outage");
	}

	/**
	 * Check 5 (H4): a counting wrapper replaces the recovery bean, then the bean itself
	 * is put back.
	 */
	private void replacedBeanTakesEffect() {
		if (!(this.observed.function() instanceof BeanNameRecoveryFunction<?> named)) {
			this.report.skipped(BEAN, "connection '" + this.name + "' names no recovery bean; its recovery is "
					+ this.observed.function().description());
			return;
		}
		RecoveryBeanSwap swap = RecoveryBeanSwap.of(this.context, named.beanName());
		if (swap == null) {
			this.report.skipped(BEAN, "the context cannot replace bean '" + named.beanName() + "'");
			return;
		}
		AtomicInteger counted = new AtomicInteger();
		RecoveryFunction<T> original = swap.original();
		swap.replace((RecoveryFunction<T>) (context) -> {
			counted.incrementAndGet();
			return original.recover(context);
		});
		Throwable failed;
		InjectedFault fault = null;
		try {
			fault = this.control.injectFailures(1);
			failed = attempt();
		}
		finally {
			if (fault != null) {
				fault.end();
			}
			swap.restore();
		}
		if (counted.get() == 0) {
			this.report.failed(BEAN, "the kit replaced recovery bean '" + named.beanName() + "' in the context, and "
					+ "the next recovery did not call the replacement; the connection must look the bean up by name "
					+ "when a recovery starts (H4).", null);
		}
		else if (failed != null) {
			this.report.failed(BEAN,
					"the call failed after a recovery by the replaced bean: " + CallFailure.describe(failed) + ".",
					failed);
		}
		else {
			checkState("after the recovery by the replaced bean");
		}
	}

	/**
	 * Check 2 (H29), from every call of the function the other checks made.
	 */
	private void returnsTheConnectionsType() {
		List<ObservedRecovery.Call> calls = this.observed.since(0);
		for (ObservedRecovery.Call call : calls) {
			Object returned = call.returned();
			if (returned == this.connection) {
				this.report.failed(TYPE, function() + " returned the HA connection itself; return a new "
						+ this.type.getSimpleName() + " (the real one behind it), for example context.reopen() (H29).",
						null);
				return;
			}
			if (returned != null && !this.type.isInstance(returned)) {
				this.report.failed(TYPE,
						function() + " returned a " + returned.getClass().getName() + ", which is not a "
								+ this.type.getName() + "; return the new " + this.type.getSimpleName()
								+ " to continue on. The engine refuses anything else, and the caller gets the "
								+ "original error (H29).",
						null);
				return;
			}
		}
		if (calls.isEmpty()) {
			this.report.skipped(TYPE, "the recovery function was never called");
		}
		else {
			this.report.passed(TYPE);
		}
	}

	/**
	 * Check 6 (H27), from the state checks after each recovery.
	 */
	private void stateHeld() {
		if (this.state == null) {
			this.report.skipped(STATE, "no state check was given; give one with state(set, check) when the "
					+ "server keeps session state that a recovery must rebuild");
		}
		else {
			this.state.report(STATE, this.report);
		}
	}

	private void checkState(String when) {
		if (this.state != null) {
			this.state.check(when);
		}
	}

	private Throwable attempt() {
		try {
			this.call.call(this.connection);
			return null;
		}
		catch (Throwable ex) {
			return ex;
		}
	}

	private boolean stillOpen(T replaced) {
		if (this.isOpen != null) {
			return this.isOpen.test(replaced);
		}
		try {
			this.call.call(replaced);
			return true;
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private String function() {
		if (this.observed.function() instanceof BeanNameRecoveryFunction<?> named) {
			return "recovery bean '" + named.beanName() + "'";
		}
		return "the recovery function (" + this.observed.function().description() + ")";
	}

	private static void closeQuietly(Object resource) {
		if (resource instanceof AutoCloseable closeable) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// It was left open by the function under test; the kit only tidies up.
			}
		}
	}

}
