package io.hacover.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import io.hacover.autoconfigure.HaProperties.DeclaredConnection;
import io.hacover.core.Attachment;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;
import io.hacover.io.HaChannels;
import io.hacover.io.HaSockets;
import io.hacover.io.SocketConnection;
import io.hacover.io.SocketHandshake;
import io.hacover.io.SocketOptions;
import io.hacover.jdbc.HaDataSource;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.util.StringUtils;

/**
 * Opens the connections declared under {@code ha.connections.<name>} with a {@code kind},
 * with their settings, their recovery bean if they name one (else the cover's built-in
 * recovery: reopen at the same position, or reconnect and fail over), and, for sockets,
 * their handshake bean.
 */
final class DeclaredConnectionFactory {

	private final PropertiesHaAwareSupport support;

	private final BeanFactory beanFactory;

	private final HaChannels channels;

	private final HaSockets sockets;

	DeclaredConnectionFactory(PropertiesHaAwareSupport support, BeanFactory beanFactory, HaChannels channels,
			HaSockets sockets) {
		this.support = support;
		this.beanFactory = beanFactory;
		this.channels = channels;
		this.sockets = sockets;
	}

	/**
	 * Opens the declared connection of the given name (H6: open, then attach).
	 * @param name the connection's name
	 * @return the HA connection
	 * @throws IOException when it cannot be opened
	 */
	Object open(String name) throws IOException {
		DeclaredConnection declared = this.support.properties().getConnections().get(name);
		DeclaredConnections.check(name, declared);
		ConnectionSettings connectionSettings = this.support.settings(name, new RetransmitPolicy[0]);
		return switch (declared.getKind()) {
			case CHANNEL -> (declared.getPath() != null)
					? this.channels.open(name, declared.getPath(), options(declared),
							customizer(name, connectionSettings))
					: this.channels.open(name, declared.getUri(), customizer(name, connectionSettings));
			case HTTP -> channels(declared).open(name, declared.getUri(), customizer(name, connectionSettings));
			case SOCKET -> this.sockets.connect(name, endpoints(name, declared),
					socketOptions(name, declared, connectionSettings));
			case JDBC -> this.support.withReplay(HaDataSource.of(this.support.connections(), name, declared.getUrl(),
					declared.getUsername(), declared.getPassword(),
					this.support.settings(name, new RetransmitPolicy[] { RetransmitPolicy.SAFE }),
					this.support.deadPeerDetection()), name);
		};
	}

	private <T> Consumer<Attachment<T>> customizer(String name, ConnectionSettings connectionSettings) {
		RecoveryFunction<T> recovery = this.support.recovery(name, null, null);
		return (attachment) -> {
			attachment.settings(connectionSettings);
			if (recovery != null) {
				attachment.recovery(recovery);
			}
		};
	}

	private HaChannels channels(DeclaredConnection declared) {
		return (declared.getReadTimeout() != null) ? this.channels.withTimeout(declared.getReadTimeout())
				: this.channels;
	}

	private static Set<OpenOption> options(DeclaredConnection declared) {
		return declared.getOptions().isEmpty() ? Set.of(StandardOpenOption.READ)
				: new LinkedHashSet<>(declared.getOptions());
	}

	private static List<InetSocketAddress> endpoints(String name, DeclaredConnection declared) {
		List<InetSocketAddress> endpoints = new ArrayList<>();
		for (int i = 0; i < declared.getEndpoints().size(); i++) {
			InetSocketAddress endpoint = DeclaredConnections.endpoint(name,
					"ha.connections." + name + ".endpoints[" + i + "]", declared.getEndpoints().get(i));
			endpoints.add(new InetSocketAddress(endpoint.getHostString(), endpoint.getPort()));
		}
		return endpoints;
	}

	private SocketOptions socketOptions(String name, DeclaredConnection declared,
			ConnectionSettings connectionSettings) {
		SocketHandshake handshake = SocketHandshake.none();
		if (StringUtils.hasText(declared.getHandshake())) {
			String key = "ha.connections." + name + ".handshake";
			this.support.recoveryBeans()
				.require(name, key, "handshake bean", declared.getHandshake(), SocketHandshake.class);
			handshake = this.beanFactory.getBean(declared.getHandshake(), SocketHandshake.class);
		}
		Duration connectTimeout = (declared.getConnectTimeout() != null) ? declared.getConnectTimeout()
				: SocketOptions.DEFAULT_CONNECT_TIMEOUT;
		Duration readTimeout = (declared.getReadTimeout() != null) ? declared.getReadTimeout()
				: SocketOptions.DEFAULT_READ_TIMEOUT;
		RecoveryFunction<SocketConnection> recovery = this.support.recovery(name, null, null);
		return new SocketOptions(connectTimeout, readTimeout, handshake, connectionSettings, recovery);
	}

}
