package io.hacover.testsupport;

import java.io.IOException;

import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An {@code @HaAware} client {@code orders} whose errors, and whose recovery's errors,
 * name a URL with a password ({@link LeakingLineClient}): for the tests that check that
 * no secret reaches operators.
 */
@Configuration(proxyBeanMethods = false)
public class LeakingOrdersConfiguration {

	@Bean
	@HaAware(recovery = "leakingReconnect", name = "orders")
	LineClient orders(@Value("${line.port}") int port) throws IOException {
		return new LeakingLineClient(OrdersConfiguration.connect(port));
	}

	@Bean
	RecoveryFunction<LineClient> leakingReconnect() {
		return (context) -> {
			throw LeakingLineClient.staleError();
		};
	}

}
