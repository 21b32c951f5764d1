package io.hacover.autoconfigure;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;
import io.hacover.jdbc.HaDataSource;
import io.hacover.jdbc.PostgresDeadPeerDetection;
import io.hacover.spring.HaAwareSupport;
import io.hacover.spring.HaConfigurationException;
import io.hacover.spring.RecoveryBeans;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.StringUtils;

/**
 * The {@link HaAwareSupport} of a Spring Boot application: each connection's settings and
 * recovery bean come from {@code ha.connections.<name>}, then the annotation, then
 * {@code ha.defaults}. Also what {@link HaDataSourcePostProcessor} and
 * {@link DeclaredConnectionFactory} use for the connections they make.
 */
final class PropertiesHaAwareSupport implements HaAwareSupport {

	private final HaConnections connections;

	private final HaProperties properties;

	private final ConnectionSettingsResolver settings;

	private final RecoveryBeans recoveryBeans;

	PropertiesHaAwareSupport(HaConnections connections, HaProperties properties, ConnectionSettingsResolver settings,
			RecoveryBeans recoveryBeans) {
		this.connections = connections;
		this.properties = properties;
		this.settings = settings;
		this.recoveryBeans = recoveryBeans;
	}

	@Override
	public HaConnections connections() {
		return this.connections;
	}

	/**
	 * Returns the bound {@code ha.*} properties.
	 * @return the properties
	 */
	HaProperties properties() {
		return this.properties;
	}

	/**
	 * Returns the finder of the beans a connection names.
	 * @return the recovery beans
	 */
	RecoveryBeans recoveryBeans() {
		return this.recoveryBeans;
	}

	@Override
	public ConnectionSettings settings(String connection, RetransmitPolicy[] annotated) {
		return this.settings.resolve(connection, annotated);
	}

	/**
	 * Returns the recovery function of a connection, chosen from
	 * {@code ha.connections.<name>.recovery}, then the annotation, then
	 * {@code ha.defaults.recovery}; it looks the bean up by name at each recovery (H4).
	 * @param <T> the type of the resource
	 * @param connection the connection's name
	 * @param annotated the recovery bean named by the annotation, or empty
	 * @param annotatedKey how to name the annotation in messages
	 * @return the recovery function, or {@code null} if none is named
	 * @throws HaConfigurationException if the named bean is missing or not a recovery
	 * function
	 */
	@Override
	public <T> RecoveryFunction<T> recovery(String connection, String annotated, String annotatedKey) {
		HaProperties.Connection own = this.properties.getConnections().get(connection);
		if (own != null && StringUtils.hasText(own.getRecovery())) {
			return this.recoveryBeans.recovery(connection, "ha.connections." + connection + ".recovery",
					own.getRecovery());
		}
		if (StringUtils.hasText(annotated)) {
			return this.recoveryBeans.recovery(connection, annotatedKey, annotated);
		}
		if (StringUtils.hasText(this.properties.getDefaults().getRecovery())) {
			return this.recoveryBeans.recovery(connection, "ha.defaults.recovery",
					this.properties.getDefaults().getRecovery());
		}
		return null;
	}

	/**
	 * Returns the endpoints of a connection's server, from
	 * {@code ha.connections.<name>.endpoints}.
	 * @param connection the connection's name
	 * @return the endpoints, none if not given
	 * @throws HaConfigurationException if one is not host:port
	 */
	@Override
	public List<InetSocketAddress> endpoints(String connection) {
		HaProperties.Connection own = this.properties.getConnections().get(connection);
		List<InetSocketAddress> endpoints = new ArrayList<>();
		if (own != null) {
			for (int i = 0; i < own.getEndpoints().size(); i++) {
				endpoints.add(DeclaredConnections.endpoint(connection,
						"ha.connections." + connection + ".endpoints[" + i + "]", own.getEndpoints().get(i)));
			}
		}
		return endpoints;
	}

	/**
	 * Sets how an HA data source replays interrupted transactions (J7), from
	 * {@code ha.connections.<name>.replay}, key by key, else from {@code ha.jdbc.replay}.
	 * @param dataSource the data source
	 * @param name its connection's name
	 * @return the data source
	 */
	HaDataSource withReplay(HaDataSource dataSource, String name) {
		HaProperties.Jdbc.Replay defaults = this.properties.getJdbc().getReplay();
		HaProperties.Connection own = this.properties.getConnections().get(name);
		HaProperties.ReplayOverride override = (own != null) ? own.getReplay() : new HaProperties.ReplayOverride();
		HaProperties.Jdbc.ReplayMode mode = Objects.requireNonNullElse(override.getMode(), defaults.getMode());
		return dataSource.replay(mode == HaProperties.Jdbc.ReplayMode.VERIFIED,
				Objects.requireNonNullElse(override.getMaxStatements(), defaults.getMaxStatements()),
				Objects.requireNonNullElse(override.getMaxBytes(), defaults.getMaxBytes()).toBytes());
	}

	/**
	 * Returns how dead PostgreSQL servers are found, from
	 * {@code ha.jdbc.dead-peer-timeout}.
	 * @return the dead-peer detection
	 * @throws HaConfigurationException if the timeout is not a positive duration
	 */
	PostgresDeadPeerDetection deadPeerDetection() {
		Duration timeout = this.properties.getJdbc().getDeadPeerTimeout();
		if (timeout == null || timeout.isNegative() || timeout.isZero()) {
			throw new HaConfigurationException(HaConfigurationException.ALL_CONNECTIONS, "ha.jdbc.dead-peer-timeout",
					"is " + ((timeout != null) ? DurationStyle.SIMPLE.print(timeout) : "empty")
							+ ", not a positive duration",
					"give the time of silence after which a server is dead, such as 10s");
		}
		return PostgresDeadPeerDetection.within(timeout);
	}

}
