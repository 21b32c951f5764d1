package io.hacover.autoconfigure;

import java.io.IOException;

import io.hacover.actuate.HaMetrics;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.OrdersConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HaMetricsAutoConfiguration}.
 */
class HaMetricsAutoConfigurationTests {

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaMetricsAutoConfigurationTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaMetricsAutoConfiguration.class))
			.withPropertyValues("line.port=" + this.server.port());
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void configuresHaMetricsByDefaultWhenAMeterRegistryExists() {
		this.contextRunner.withBean(SimpleMeterRegistry.class).run((context) -> {
			assertThat(context).hasSingleBean(HaMetrics.class);
			assertThat(context.getBean(HaMetrics.class)).isInstanceOf(MeterBinder.class);
		});
	}

	@Test
	void doesNotConfigureHaMetricsWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(HaConnections.class);
			assertThat(context).doesNotHaveBean(HaMetrics.class);
		});
	}

	@Test
	void backsOffWhenTheUserDefinesHaMetrics() {
		this.contextRunner.withBean(SimpleMeterRegistry.class)
			.withUserConfiguration(UserMetricsConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(HaMetrics.class);
				assertThat(context.getBean(HaMetrics.class)).isSameAs(context.getBean("userHaMetrics"));
			});
	}

	@Test
	void isOffWhenHaIsDisabled() {
		this.contextRunner.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("ha.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HaMetrics.class));
	}

	@Test
	void isAbsentWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.run((context) -> assertThat(context).doesNotHaveBean(HaMetrics.class));
	}

	@Test
	@DisplayName("H18: with Spring Boot's metrics, the recoveries of an @HaAware bean are counted in its meter registry")
	void recoveriesAreCountedInTheMeterRegistryOfSpringBoot() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.withUserConfiguration(OrdersConfiguration.class)
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(successes(registry)).isZero();
				LineClient orders = context.getBean("orders", LineClient.class);
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(successes(registry)).isOne()
					.isEqualTo(context.getBean(HaConnections.class).find("orders").orElseThrow().recoveriesSucceeded());
				assertThat(registry.get("ha.retransmissions").tag("connection", "orders").counter().count()).isOne();
				assertThat(registry.get("ha.connections").tag("state", "attached").gauge().value()).isOne();
			});
	}

	private static long successes(MeterRegistry registry) {
		return (long) registry.get("ha.recoveries")
			.tag("connection", "orders")
			.tag("outcome", "success")
			.counter()
			.count();
	}

	@Configuration(proxyBeanMethods = false)
	static class UserMetricsConfiguration {

		@Bean
		HaMetrics userHaMetrics(HaConnections connections) {
			return new HaMetrics(connections);
		}

	}

}
