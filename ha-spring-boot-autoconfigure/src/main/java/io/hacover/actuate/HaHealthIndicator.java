package io.hacover.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.Assert;

/**
 * {@link HealthIndicator} for HA connections: whether any of them has given up.
 * <p>
 * The rule: {@link org.springframework.boot.health.contributor.Status#DOWN DOWN} when at
 * least one connection is {@link ConnectionState#FAILED FAILED}, that is its last
 * recovery ran out of its back-off budget or attempts, its recovery function gave up, or
 * a limit stopped it (H11, H12, H15, H16); {@code UP} otherwise, also with no connection
 * at all. {@link ConnectionState#ATTACHED ATTACHED} and {@link ConnectionState#RECOVERING
 * RECOVERING} (a recovery in progress) are {@code UP}, and so are
 * {@link ConnectionState#SUSPENDED SUSPENDED} and {@link ConnectionState#DETACHED
 * DETACHED}, which an operator or the application chose. A connection stays
 * {@code FAILED} until a later recovery of it succeeds (its next stale error starts one)
 * or it is detached, suspended or closed.
 * <p>
 * Details: {@code connections}, a map from each connection's name to its {@code kind},
 * {@code state}, {@code recoveriesSucceeded}, {@code recoveriesFailed},
 * {@code attemptsFailed} and, once it has had one, {@code lastFailure} ({@code time},
 * {@code type}, {@code message}); when {@code DOWN}, also {@code failed}, the names of
 * the failed connections. Failure messages are the ones the engine keeps, with
 * credentials masked (H18); nothing else from an error is shown.
 *
 * @see HaConnections#connections()
 */
public class HaHealthIndicator extends AbstractHealthIndicator {

	private final HaConnections connections;

	/**
	 * Creates an indicator for the connections of the given table.
	 * @param connections the table of HA connections
	 */
	public HaHealthIndicator(HaConnections connections) {
		super("HA connections health check failed");
		Assert.notNull(connections, "'connections' must not be null");
		this.connections = connections;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, Object> details = new LinkedHashMap<>();
		List<String> failed = new ArrayList<>();
		for (ConnectionInfo info : this.connections.connections()) {
			details.put(info.name(), describe(info));
			if (info.state() == ConnectionState.FAILED) {
				failed.add(info.name());
			}
		}
		if (failed.isEmpty()) {
			builder.up();
		}
		else {
			builder.down().withDetail("failed", failed);
		}
		builder.withDetail("connections", details);
	}

	private static Map<String, Object> describe(ConnectionInfo info) {
		Map<String, Object> connection = new LinkedHashMap<>();
		connection.put("kind", info.kind());
		connection.put("state", info.state());
		connection.put("recoveriesSucceeded", info.recoveriesSucceeded());
		connection.put("recoveriesFailed", info.recoveriesFailed());
		connection.put("attemptsFailed", info.attemptsFailed());
		ConnectionInfo.Failure lastFailure = info.lastFailure();
		if (lastFailure != null) {
			Map<String, Object> failure = new LinkedHashMap<>();
			failure.put("time", lastFailure.time());
			failure.put("type", lastFailure.type());
			if (lastFailure.message() != null) {
				failure.put("message", lastFailure.message());
			}
			connection.put("lastFailure", failure);
		}
		return connection;
	}

}
