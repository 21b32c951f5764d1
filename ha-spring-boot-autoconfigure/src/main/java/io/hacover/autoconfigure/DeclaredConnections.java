package io.hacover.autoconfigure;

import java.net.InetSocketAddress;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.hacover.autoconfigure.HaProperties.Connection;
import io.hacover.io.SocketConnection;
import io.hacover.spring.HaConfigurationException;

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
 * one of the groups {@code channel}, {@code http}, {@code socket} or {@code jdbc}: a
 * {@link SeekableByteChannel} for a channel or an HTTP file, a {@link SocketConnection}
 * for a socket, a {@link DataSource} for a JDBC data source, named after the connection
 * and already HA-aware. What a declaration needs (a path or URI, endpoints) is checked
 * here, before any bean is made.
 * <p>
 * Each bean is made by the factory method {@link DeclaredConnectionFactory#open(String)}
 * of the bean {@code haDeclaredConnectionFactory}, so that ahead-of-time processing can
 * write its definition out. Imported by {@link HaAutoConfiguration}, which runs before
 * Spring Boot's data source auto-configuration: a declared JDBC data source is then the
 * application's {@code DataSource}, and Boot does not make one of its own.
 */
final class DeclaredConnections implements ImportBeanDefinitionRegistrar, EnvironmentAware {

	static final String FACTORY_BEAN_NAME = "haDeclaredConnectionFactory";

	private Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
		Map<String, Connection> declared = Binder.get(this.environment)
			.bind("ha.connections", Bindable.mapOf(String.class, Connection.class))
			.orElse(Map.of());
		declared.forEach((name, connection) -> {
			Kind kind = kind(name, connection);
			if (kind != null) {
				register(registry, name, kind, connection);
			}
		});
	}

	private void register(BeanDefinitionRegistry registry, String name, Kind kind, Connection connection) {
		check(name, kind, connection);
		if (registry.containsBeanDefinition(name)) {
			throw new HaConfigurationException(name, "ha.connections." + name + "." + kind.key,
					"a bean named '" + name + "' already exists", "rename the connection or the other bean");
		}
		RootBeanDefinition definition = new RootBeanDefinition();
		definition.setFactoryBeanName(FACTORY_BEAN_NAME);
		definition.setFactoryMethodName("open");
		definition.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
		definition.setTargetType(kind.type);
		if (kind != Kind.JDBC) {
			definition.setDestroyMethodName("close");
		}
		registry.registerBeanDefinition(name, definition);
	}

	/**
	 * Returns what a connection declares, if anything.
	 * @param name the connection's name
	 * @param connection its section
	 * @return the kind it declares, or {@code null} for the section of a connection made
	 * elsewhere (an {@code @HaAware} bean, a data source)
	 * @throws HaConfigurationException if it declares more than one kind
	 */
	static Kind kind(String name, Connection connection) {
		List<Kind> kinds = new ArrayList<>();
		for (Kind kind : Kind.values()) {
			if (kind.declaredIn(connection)) {
				kinds.add(kind);
			}
		}
		if (kinds.size() > 1) {
			String prefix = "ha.connections." + name + ".";
			throw new HaConfigurationException(name, prefix + kinds.get(1).key,
					"declares both '" + kinds.get(0).key + "' and '" + kinds.get(1).key + "'",
					"keep the one group that says what to open: " + prefix + "channel, http, socket or jdbc");
		}
		return kinds.isEmpty() ? null : kinds.get(0);
	}

	/**
	 * Checks that a declaration says what to open.
	 * @param name the connection's name
	 * @param kind what it declares
	 * @param connection its section
	 * @throws HaConfigurationException if it lacks what its kind needs
	 */
	static void check(String name, Kind kind, Connection connection) {
		String prefix = "ha.connections." + name + "." + kind.key + ".";
		switch (kind) {
			case CHANNEL -> {
				HaProperties.Channel channel = connection.getChannel();
				if ((channel.getPath() == null) == (channel.getUri() == null)) {
					throw new HaConfigurationException(name, prefix + "path",
							"a channel needs exactly one of path and uri",
							"give " + prefix + "path (or " + prefix + "uri with a file: URI) and not both");
				}
				if (channel.getUri() != null && !"file".equalsIgnoreCase(channel.getUri().getScheme())) {
					throw new HaConfigurationException(name, prefix + "uri",
							"a channel opens file: URIs, not '" + channel.getUri().getScheme() + ":'",
							"declare ha.connections." + name + ".http for http: and https: URIs, or give a file: URI");
				}
			}
			case HTTP -> {
				String scheme = (connection.getHttp().getUri() != null) ? connection.getHttp().getUri().getScheme()
						: null;
				if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
					throw new HaConfigurationException(name, prefix + "uri",
							"an HTTP file needs an http: or https: URI",
							"give " + prefix + "uri, for example http://files.example/data.bin");
				}
			}
			case JDBC -> {
				String url = connection.getJdbc().getUrl();
				if (url == null || !url.startsWith("jdbc:")) {
					throw new HaConfigurationException(name, prefix + "url", "a JDBC data source needs a JDBC URL",
							"give " + prefix + "url, for example jdbc:postgresql://db.internal:5432/app");
				}
			}
			case SOCKET -> {
				List<String> endpoints = connection.getSocket().getEndpoints();
				if (endpoints.isEmpty()) {
					throw new HaConfigurationException(name, prefix + "endpoints", "a socket needs endpoints",
							"give " + prefix + "endpoints as a list of host:port, tried in order");
				}
				for (int i = 0; i < endpoints.size(); i++) {
					endpoint(name, prefix + "endpoints[" + i + "]", endpoints.get(i));
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

	/**
	 * What a connection declared under {@code ha.connections.<name>} opens, by the group
	 * that declares it.
	 */
	enum Kind {

		/**
		 * A file, by path or {@code file:} URI.
		 */
		CHANNEL("channel", SeekableByteChannel.class),

		/**
		 * A file served over {@code http:} or {@code https:}, read-only.
		 */
		HTTP("http", SeekableByteChannel.class),

		/**
		 * A TCP connection to one of a list of endpoints.
		 */
		SOCKET("socket", SocketConnection.class),

		/**
		 * A data source on a JDBC URL whose connections are HA connections.
		 */
		JDBC("jdbc", DataSource.class);

		final String key;

		final Class<?> type;

		Kind(String key, Class<?> type) {
			this.key = key;
			this.type = type;
		}

		boolean declaredIn(Connection connection) {
			return switch (this) {
				case CHANNEL -> connection.getChannel() != null;
				case HTTP -> connection.getHttp() != null;
				case SOCKET -> connection.getSocket() != null;
				case JDBC -> connection.getJdbc() != null;
			};
		}

	}

}
