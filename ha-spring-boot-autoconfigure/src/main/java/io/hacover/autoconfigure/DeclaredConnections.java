package io.hacover.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;

import javax.sql.DataSource;

import io.hacover.autoconfigure.HaProperties.ConnectionKind;
import io.hacover.autoconfigure.HaProperties.DeclaredConnection;
import io.hacover.io.SocketConnection;
import io.hacover.spring.HaConfigurationException;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a bean for each connection declared under {@code ha.connections.<name>} with
 * a {@code kind}: a {@link SeekableByteChannel} for {@code channel} and {@code http}, a
 * {@link SocketConnection} for {@code socket}, a {@link DataSource} for {@code jdbc},
 * named after the connection and already HA-aware. What a declaration needs (a path or
 * URI, endpoints) is checked here, before any bean is made.
 * <p>
 * Imported by {@link HaAutoConfiguration}, which runs before Spring Boot's data source
 * auto-configuration: a declared {@code jdbc} connection is then the application's
 * {@code DataSource}, and Boot does not make one of its own.
 */
final class DeclaredConnections implements ImportBeanDefinitionRegistrar, EnvironmentAware {

	private Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
		Map<String, DeclaredConnection> declared = Binder.get(this.environment)
			.bind("ha.connections", Bindable.mapOf(String.class, DeclaredConnection.class))
			.orElse(Map.of());
		declared.forEach((name, connection) -> {
			if (connection.getKind() != null) {
				register(registry, name, connection);
			}
		});
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private void register(BeanDefinitionRegistry registry, String name, DeclaredConnection connection) {
		check(name, connection);
		String key = "ha.connections." + name + ".kind";
		if (registry.containsBeanDefinition(name)) {
			throw new HaConfigurationException(name, key, "a bean named '" + name + "' already exists",
					"rename the connection or the other bean");
		}
		Class type = switch (connection.getKind()) {
			case SOCKET -> SocketConnection.class;
			case JDBC -> DataSource.class;
			default -> SeekableByteChannel.class;
		};
		ConfigurableListableBeanFactory beanFactory = (ConfigurableListableBeanFactory) registry;
		RootBeanDefinition definition = new RootBeanDefinition(type, () -> {
			try {
				return beanFactory.getBean(DeclaredConnectionFactory.class).open(name);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot open HA connection '" + name + "'", ex);
			}
		});
		if (connection.getKind() != ConnectionKind.JDBC) {
			definition.setDestroyMethodName("close");
		}
		registry.registerBeanDefinition(name, definition);
	}

	/**
	 * Checks that a declaration says what to open.
	 * @param name the connection's name
	 * @param connection its declaration
	 * @throws HaConfigurationException if it lacks what its kind needs
	 */
	static void check(String name, DeclaredConnection connection) {
		String prefix = "ha.connections." + name + ".";
		switch (connection.getKind()) {
			case CHANNEL -> {
				if ((connection.getPath() == null) == (connection.getUri() == null)) {
					throw new HaConfigurationException(name, prefix + "path",
							"a 'channel' needs exactly one of path and uri",
							"give " + prefix + "path (or " + prefix + "uri with a file: URI) and not both");
				}
				if (connection.getUri() != null && !"file".equalsIgnoreCase(connection.getUri().getScheme())) {
					throw new HaConfigurationException(name, prefix + "uri",
							"a 'channel' opens file: URIs, not '" + connection.getUri().getScheme() + ":'",
							"use kind 'http' for http: and https: URIs, or give a file: URI");
				}
			}
			case HTTP -> {
				String scheme = (connection.getUri() != null) ? connection.getUri().getScheme() : null;
				if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
					throw new HaConfigurationException(name, prefix + "uri",
							"an 'http' connection needs an http: or " + "https: URI",
							"give " + prefix + "uri, for example http://files.example/data.bin");
				}
			}
			case JDBC -> {
				if (connection.getUrl() == null || !connection.getUrl().startsWith("jdbc:")) {
					throw new HaConfigurationException(name, prefix + "url", "a 'jdbc' data source needs a JDBC URL",
							"give " + prefix + "url, for example jdbc:postgresql://db.internal:5432/app");
				}
			}
			case SOCKET -> {
				if (connection.getEndpoints().isEmpty()) {
					throw new HaConfigurationException(name, prefix + "endpoints", "a 'socket' needs endpoints",
							"give " + prefix + "endpoints as a list of host:port, tried in order");
				}
				for (int i = 0; i < connection.getEndpoints().size(); i++) {
					endpoint(name, prefix + "endpoints[" + i + "]", connection.getEndpoints().get(i));
				}
			}
		}
	}

	/**
	 * Parses an endpoint.
	 * @param name the connection's name
	 * @param key where the endpoint was given
	 * @param endpoint the endpoint as host:port
	 * @return the socket address, not resolved yet
	 * @throws HaConfigurationException if it is not host:port
	 */
	static InetSocketAddress endpoint(String name, String key, String endpoint) {
		int colon = endpoint.lastIndexOf(':');
		if (colon > 0 && colon < endpoint.length() - 1) {
			try {
				int port = Integer.parseInt(endpoint.substring(colon + 1).trim());
				if (port > 0 && port < 65536) {
					return InetSocketAddress.createUnresolved(endpoint.substring(0, colon).trim(), port);
				}
			}
			catch (NumberFormatException ex) {
				// Reported below.
			}
		}
		throw new HaConfigurationException(name, key, "'" + endpoint + "' is not host:port",
				"write each endpoint as host:port, for example 127.0.0.1:7000");
	}

}
