package io.hacover.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import io.hacover.autoconfigure.HaProperties.Connection;
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
 * Opens the connections declared under {@code ha.connections.<name>} with a group that
 * says what to open, with their settings, their recovery bean if they name one (else the
 * cover's built-in recovery: reopen at the same position, or reconnect and fail over),
 * and, for sockets, their handshake bean.
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
	 * Opens the declared connection of the given name (H6: open, then attach): the
	 * factory method of the beans that {@link DeclaredConnections} registers.
	 * @param name the connection's name
	 * @return the HA connection
	 * @throws IOException when it cannot be opened
	 */
	Object open(String name) throws IOException {
		Connection declared = this.support.properties().getConnections().get(name);
		DeclaredConnections.Kind kind = DeclaredConnections.kind(name, declared);
		DeclaredConnections.check(name, kind, declared);
		ConnectionSettings connectionSettings = this.support.settings(name, new RetransmitPolicy[0]);
		return switch (kind) {
			case CHANNEL -> {
				HaProperties.Channel channel = declared.getChannel();
				yield (channel.getPath() != null)
						? this.channels.open(name, channel.getPath(), options(channel),
								customizer(name, connectionSettings))
						: this.channels.open(name, channel.getUri(), customizer(name, connectionSettings));
			}
			case HTTP -> this.channels.withTimeout(declared.getHttp().getReadTimeout())
				.open(name, declared.getHttp().getUri(), customizer(name, connectionSettings));
			case SOCKET -> this.sockets.connect(name, endpoints(name, declared.getSocket()),
					socketOptions(name, declared.getSocket(), connectionSettings));
			case JDBC -> this.support.withReplay(HaDataSource.of(this.support.connections(), name,
					declared.getJdbc().getUrl(), declared.getJdbc().getUsername(), declared.getJdbc().getPassword(),
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

	private static Set<OpenOption> options(HaProperties.Channel channel) {
		return channel.getOptions().isEmpty() ? Set.of(StandardOpenOption.READ)
				: new LinkedHashSet<>(channel.getOptions());
	}

	private static List<InetSocketAddress> endpoints(String name, HaProperties.Socket socket) {
		List<InetSocketAddress> endpoints = new ArrayList<>();
		for (int i = 0; i < socket.getEndpoints().size(); i++) {
			InetSocketAddress endpoint = DeclaredConnections.endpoint(name,
					"ha.connections." + name + ".socket.endpoints[" + i + "]", socket.getEndpoints().get(i));
			endpoints.add(new InetSocketAddress(endpoint.getHostString(), endpoint.getPort()));
		}
		return endpoints;
	}

	private SocketOptions socketOptions(String name, HaProperties.Socket socket,
			ConnectionSettings connectionSettings) {
		SocketHandshake handshake = SocketHandshake.none();
		if (StringUtils.hasText(socket.getHandshake())) {
			String key = "ha.connections." + name + ".socket.handshake";
			this.support.recoveryBeans()
				.require(name, key, "handshake bean", socket.getHandshake(), SocketHandshake.class);
			handshake = this.beanFactory.getBean(socket.getHandshake(), SocketHandshake.class);
		}
		RecoveryFunction<SocketConnection> recovery = this.support.recovery(name, null, null);
		return new SocketOptions(socket.getConnectTimeout(), socket.getReadTimeout(), handshake, connectionSettings,
				recovery);
	}

}
