package io.hacover.actuate;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import io.hacover.core.ConnectionControl;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.spring.BeanNameRecoveryFunction;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code ha} actuator endpoint: every HA connection with its state, recovery, limits
 * and counters (H18), and the operations an operator needs at run time (H3, H5, H15 to
 * H17).
 * <p>
 * Reading is the default access. The write operation, {@code POST /actuator/ha/{name}}
 * with a JSON body {@code {"action": ...}}, exists only where
 * {@code management.endpoint.ha.access=unrestricted}; over HTTP it also needs one of
 * {@code management.endpoint.ha.roles} when Spring Security is present
 * ({@link HaEndpointWebExtension}). The actions:
 * <ul>
 * <li>{@code detach}: later operations act as on the plain resource and their errors
 * reach the caller (H5);</li>
 * <li>{@code attach}: attach a detached connection again, with the recovery it had;</li>
 * <li>{@code replace}: use the {@code RecoveryFunction} bean named by {@code recovery},
 * looked up at each recovery (H3, H4);</li>
 * <li>{@code suspend} and {@code enable} recovery (H17);</li>
 * <li>{@code limit}: set {@code maxRecoveries} and/or {@code maxConsecutiveFailures}, -1
 * for no limit (H15, H16);</li>
 * <li>{@code reset}: set the recovery counters to zero (H17).</li>
 * </ul>
 * Nothing secret is shown: failure messages are masked by the engine.
 */
@Endpoint(id = "ha", defaultAccess = Access.READ_ONLY)
public class HaEndpoint {

	private static final List<String> ACTIONS = List.of("attach", "detach", "replace", "suspend", "enable", "limit",
			"reset");

	private final HaConnections connections;

	private final ListableBeanFactory beanFactory;

	/**
	 * Creates the endpoint.
	 * @param connections the table of HA connections
	 * @param beanFactory where recovery beans named by {@code replace} are looked up
	 */
	public HaEndpoint(HaConnections connections, ListableBeanFactory beanFactory) {
		this.connections = connections;
		this.beanFactory = beanFactory;
	}

	/**
	 * Lists every HA connection that is not closed, by name.
	 * @return the connections
	 */
	@ReadOperation
	public ConnectionsDescriptor connections() {
		return new ConnectionsDescriptor(this.connections.connections().stream().map(this::describe).toList());
	}

	/**
	 * Shows one HA connection.
	 * @param name the connection's name
	 * @return the connection, or {@code null} if none has that name
	 */
	@ReadOperation
	public @Nullable ConnectionDescriptor connection(@Selector String name) {
		return this.connections.find(name).map(this::describe).orElse(null);
	}

	/**
	 * Acts on one HA connection and shows it afterwards.
	 * @param name the connection's name
	 * @param action one of {@code attach}, {@code detach}, {@code replace},
	 * {@code suspend}, {@code enable}, {@code limit}, {@code reset}
	 * @param recovery for {@code replace}: the name of a {@code RecoveryFunction} bean
	 * @param maxRecoveries for {@code limit}: the limit on recoveries, -1 for none
	 * @param maxConsecutiveFailures for {@code limit}: the limit on failed recoveries in
	 * a row, -1 for none
	 * @return the connection after the action, or {@code null} if none has that name
	 * @throws InvalidEndpointRequestException for an unknown action, a missing or unknown
	 * recovery bean, or bad limits
	 * @throws IllegalStateException when the connection's state does not allow the
	 * action, for example detaching a detached connection
	 */
	@WriteOperation
	public @Nullable ConnectionDescriptor change(@Selector String name, String action, @Nullable String recovery,
			@Nullable Long maxRecoveries, @Nullable Long maxConsecutiveFailures) {
		ConnectionControl control;
		try {
			control = this.connections.control(name);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		Consumer<ConnectionControl> change = switch (action.toLowerCase(Locale.ROOT)) {
			case "attach" -> ConnectionControl::attach;
			case "detach" -> ConnectionControl::detach;
			case "replace" -> replacing(name, recovery);
			case "suspend" -> ConnectionControl::suspend;
			case "enable" -> ConnectionControl::enable;
			case "limit" -> limiting(name, maxRecoveries, maxConsecutiveFailures);
			case "reset" -> (connection) -> connection.resetRecoveries().resetConsecutiveFailures();
			default ->
				throw invalid("connection '" + name + "': unknown action '" + action + "'; use one of " + ACTIONS);
		};
		change.accept(control);
		return describe(control.info());
	}

	private Consumer<ConnectionControl> replacing(String name, @Nullable String recovery) {
		if (recovery == null || recovery.isBlank()) {
			throw invalid("connection '" + name + "': action 'replace' needs 'recovery', the name of a "
					+ "RecoveryFunction bean; known: " + recoveryBeans());
		}
		if (!this.beanFactory.containsBean(recovery)
				|| !this.beanFactory.isTypeMatch(recovery, RecoveryFunction.class)) {
			throw invalid("connection '" + name + "': no RecoveryFunction bean is named '" + recovery
					+ "'; define one, or use one of " + recoveryBeans());
		}
		return (control) -> control.replaceRecovery(new BeanNameRecoveryFunction<>(this.beanFactory, recovery));
	}

	private Consumer<ConnectionControl> limiting(String name, @Nullable Long maxRecoveries,
			@Nullable Long maxConsecutiveFailures) {
		if (maxRecoveries == null && maxConsecutiveFailures == null) {
			throw invalid("connection '" + name
					+ "': action 'limit' needs 'maxRecoveries' or 'maxConsecutiveFailures' (-1 for no limit)");
		}
		for (Long limit : new Long[] { maxRecoveries, maxConsecutiveFailures }) {
			if (limit != null && limit < -1) {
				throw invalid("connection '" + name + "': a limit must be -1 (no limit) or more, not " + limit);
			}
		}
		return (control) -> {
			if (maxRecoveries != null) {
				control.limitRecoveries(maxRecoveries);
			}
			if (maxConsecutiveFailures != null) {
				control.limitConsecutiveFailures(maxConsecutiveFailures);
			}
		};
	}

	/**
	 * Shows a connection; its recovery is a bean when a recovery bean has the name its
	 * description gives (a function looked up by bean name describes itself so).
	 */
	private ConnectionDescriptor describe(ConnectionInfo info) {
		String recovery = info.recovery();
		boolean bean = this.beanFactory.containsBean(recovery)
				&& this.beanFactory.isTypeMatch(recovery, RecoveryFunction.class);
		return ConnectionDescriptor.of(info, bean ? recovery : null);
	}

	private List<String> recoveryBeans() {
		return List.of(this.beanFactory.getBeanNamesForType(RecoveryFunction.class, true, false));
	}

	private static InvalidEndpointRequestException invalid(String message) {
		return new InvalidEndpointRequestException(message, message);
	}

	/**
	 * All HA connections.
	 *
	 * @param connections each connection, by name
	 */
	public record ConnectionsDescriptor(List<ConnectionDescriptor> connections) implements OperationResponseBody {

	}

	/**
	 * One HA connection (H18).
	 *
	 * @param name its name
	 * @param kind {@code jdbc}, {@code channel}, {@code http}, {@code socket} or
	 * {@code client}
	 * @param type the interface it implements
	 * @param state {@code ATTACHED}, {@code RECOVERING}, {@code SUSPENDED},
	 * {@code FAILED} (its last recovery gave up) or {@code DETACHED}
	 * @param recovery what recovers it: a bean's name, {@code reopen}, or the class of a
	 * function given in code
	 * @param recoveryBean the name of its recovery bean, or {@code null} for a function
	 * given in code
	 * @param duplicates how many other HA connections share its record (H25)
	 * @param counters its counters
	 * @param limits its limits
	 * @param lastFailure the last stale error that started a recovery, or {@code null}
	 * @param lastRecovery the last successful recovery, or {@code null}
	 * @param server the server it is on now, as its cover tells (JDBC: {@code host},
	 * {@code port}, {@code role} {@code primary} or {@code standby}, {@code timeline},
	 * and {@code lastRefused}, the last server its data source refused, J9), or
	 * {@code null}
	 */
	public record ConnectionDescriptor(String name, String kind, String type, String state, String recovery,
			@Nullable String recoveryBean, int duplicates, Counters counters, Limits limits,
			@Nullable FailureDescriptor lastFailure, @Nullable RecoveryDescriptor lastRecovery,
			@Nullable Map<String, Object> server) implements OperationResponseBody {

		static ConnectionDescriptor of(ConnectionInfo info, @Nullable String recoveryBean) {
			return new ConnectionDescriptor(info.name(), info.kind(), info.type().getName(), info.state().name(),
					info.recovery(), recoveryBean, info.references() - 1,
					new Counters(info.recoveriesSucceeded(), info.recoveriesFailed(), info.attempts(),
							info.attemptsFailed(), info.retransmissions(), info.consecutiveFailures()),
					new Limits(info.maxRecoveries(), info.maxConsecutiveFailures()),
					(info.lastFailure() != null) ? new FailureDescriptor(info.lastFailure().time(),
							info.lastFailure().type(), info.lastFailure().message()) : null,
					(info.lastRecovery() != null) ? new RecoveryDescriptor(info.lastRecovery().time(),
							info.lastRecovery().duration().toMillis()) : null,
					info.peer().isEmpty() ? null : info.peer());
		}

	}

	/**
	 * The counters of a connection (H18).
	 *
	 * @param recoveriesSucceeded recoveries (one per outage) that returned a resource
	 * @param recoveriesFailed recoveries that gave up
	 * @param attempts calls of the recovery function, the count {@code maxRecoveries}
	 * limits
	 * @param attemptsFailed calls of the recovery function that failed
	 * @param retransmissions operations issued again after a recovery
	 * @param consecutiveFailures failed calls since the last success, the count
	 * {@code maxConsecutiveFailures} limits
	 */
	public record Counters(long recoveriesSucceeded, long recoveriesFailed, long attempts, long attemptsFailed,
			long retransmissions, long consecutiveFailures) {

	}

	/**
	 * The limits of a connection, -1 for none (H15, H16).
	 *
	 * @param maxRecoveries the limit on calls of the recovery function (attempts, H15)
	 * @param maxConsecutiveFailures the limit on failed calls in a row (H16)
	 */
	public record Limits(long maxRecoveries, long maxConsecutiveFailures) {

	}

	/**
	 * The last stale error that started a recovery.
	 *
	 * @param time when it was seen
	 * @param type the error's class
	 * @param message its message, with credentials masked
	 */
	public record FailureDescriptor(Instant time, String type, @Nullable String message) {

	}

	/**
	 * The last successful recovery.
	 *
	 * @param time when it ended
	 * @param durationMillis how long it took, from the stale error to the new resource
	 */
	public record RecoveryDescriptor(Instant time, long durationMillis) {

	}

}
