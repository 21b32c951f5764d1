/**
 * Spring Boot auto-configuration of HA connections: the auto-configuration classes and
 * their properties ({@code HaProperties}, {@code HaEndpointProperties}), with what Spring
 * Boot's own modules keep beside them: failure analyzers, and the package-private wiring
 * that reads the {@code ha.*} properties (connection settings, declared connections, the
 * JDBC post-processor). The top layer: it may depend on every other hacover package and
 * on Spring Boot, and none depends on it.
 */
package io.hacover.autoconfigure;
