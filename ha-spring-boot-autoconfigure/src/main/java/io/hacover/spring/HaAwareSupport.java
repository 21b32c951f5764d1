package io.hacover.spring;

import java.net.InetSocketAddress;
import java.util.List;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;

/**
 * What the {@link HaAwareBeanPostProcessor} needs from the context to make an
 * {@link HaAware @HaAware} bean an HA connection: the table, and the connection's
 * settings and recovery as the application's configuration gives them. One bean of this
 * type, which the post-processor (created early) fetches when it first meets an
 * {@code @HaAware} bean; Spring Boot's auto-configuration defines it from the
 * {@code ha.*} properties.
 */
public interface HaAwareSupport {

	/**
	 * Returns the table that HA-aware beans are attached to.
	 * @return the table of HA connections
	 */
	HaConnections connections();

	/**
	 * Returns the settings of a connection.
	 * @param connection the connection's name
	 * @param annotated the retransmit policy given by {@code @HaAware(retransmit)}:
	 * empty, or one policy
	 * @return the settings
	 * @throws HaConfigurationException if a setting is out of range or names an unusable
	 * bean
	 */
	ConnectionSettings settings(String connection, RetransmitPolicy[] annotated);

	/**
	 * Returns the recovery function of a connection: the recovery bean its configuration
	 * names, or else the one named by the annotation, looked up by name at each recovery
	 * (H4).
	 * @param <T> the type of the resource
	 * @param connection the connection's name
	 * @param annotated the recovery bean named by {@code @HaAware(recovery)}, or empty
	 * @param annotatedKey how to name the annotation in messages
	 * @return the recovery function, or {@code null} if none is named, so that the bean
	 * is recovered by making a fresh instance
	 * @throws HaConfigurationException if the named bean is missing or not a recovery
	 * function
	 */
	<T> RecoveryFunction<T> recovery(String connection, String annotated, String annotatedKey);

	/**
	 * Returns the endpoints (host and port) of the server of a connection, whose
	 * readiness probe its recoveries wait on instead of sleeping out their back-off.
	 * @param connection the connection's name
	 * @return the endpoints, none by default
	 */
	default List<InetSocketAddress> endpoints(String connection) {
		return List.of();
	}

}
