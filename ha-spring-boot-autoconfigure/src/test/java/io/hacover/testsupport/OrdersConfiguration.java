package io.hacover.testsupport;

import java.io.IOException;
import java.time.Duration;

import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An {@code @HaAware} client of a {@link LineServer} at {@code line.port}: the connection
 * {@code orders}, recovered by the bean {@code reconnect}, which closes the failed client
 * and connects a new one.
 */
@Configuration(proxyBeanMethods = false)
public class OrdersConfiguration {

	static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

	@Bean
	@HaAware(recovery = "reconnect", name = "orders")
	LineClient orders(@Value("${line.port}") int port) throws IOException {
		return connect(port);
	}

	@Bean
	RecoveryFunction<LineClient> reconnect(@Value("${line.port}") int port) {
		return (context) -> {
			context.failedResource().close();
			return connect(port);
		};
	}

	static LineClient connect(int port) throws IOException {
		return SocketLineClient.connect("127.0.0.1", port, READ_TIMEOUT);
	}

}
