package io.hacover.autoconfigure;

import java.io.IOException;

import io.hacover.actuate.RecoveryObservations;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.OrdersConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HaObservationAutoConfiguration}.
 */
class HaObservationAutoConfigurationTests {

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaObservationAutoConfigurationTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaObservationAutoConfiguration.class))
			.withPropertyValues("line.port=" + this.server.port());
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void configuresRecoveryObservationsByDefaultWhenAnObservationRegistryExists() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(RecoveryObservations.class));
	}

	@Test
	void doesNotConfigureRecoveryObservationsWithoutAnObservationRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(RecoveryObservations.class));
	}

	@Test
	void backsOffWhenTheUserDefinesRecoveryObservations() {
		this.contextRunner.withBean(ObservationRegistry.class, ObservationRegistry::create)
			.withUserConfiguration(UserObservationsConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(RecoveryObservations.class);
				assertThat(context.getBean(RecoveryObservations.class))
					.isSameAs(context.getBean("userRecoveryObservations"));
			});
	}

	@Test
	void isOffWhenHaIsDisabled() {
		this.contextRunner.withBean(ObservationRegistry.class, ObservationRegistry::create)
			.withPropertyValues("ha.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RecoveryObservations.class));
	}

	@Test
	void isAbsentWithoutMicrometerObservation() {
		this.contextRunner.withBean(ObservationRegistry.class, ObservationRegistry::create)
			.withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(RecoveryObservations.class));
	}

	@Test
	void recoveryOfAnHaAwareBeanIsObservedOnce() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		this.contextRunner.withBean(ObservationRegistry.class, () -> registry)
			.withUserConfiguration(OrdersConfiguration.class)
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(registry).hasSingleObservationThat()
					.hasNameEqualTo(RecoveryObservations.NAME)
					.hasLowCardinalityKeyValue("connection", "orders")
					.hasLowCardinalityKeyValue("outcome", "recovered")
					.hasBeenStopped();
			});
	}

	@Test
	void withSpringBootsObservationAndMetricsARecoveryIsTimedInTheMeterRegistry() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.withUserConfiguration(OrdersConfiguration.class)
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get(RecoveryObservations.NAME)
					.tag("connection", "orders")
					.tag("outcome", "recovered")
					.timer()
					.count()).isOne();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserObservationsConfiguration {

		@Bean
		RecoveryObservations userRecoveryObservations(ObservationRegistry registry) {
			return new RecoveryObservations(registry);
		}

	}

}
