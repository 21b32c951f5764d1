package io.hacover.spring;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.core.HaConnections;
import io.hacover.core.OutcomeUnknownException;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;
import io.hacover.testsupport.CountingReconnect;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * How {@code @HaAware} beans are made HA-aware: recovery beans looked up by name, fresh
 * instances made the way the bean was first made, names and retransmit policies from the
 * annotation.
 */
class HaAwareBeanTests {

	private LineServer server;

	private ApplicationContextRunner runner;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
		this.runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withPropertyValues("line.port=" + this.server.port(), "ha.defaults.backoff.initial-delay=10ms",
					"ha.defaults.backoff.max-delay=50ms");
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H4: replacing the recovery bean in the running context changes the next recovery")
	void recoveryBeanIsLookedUpByNameWhenARecoveryStarts() {
		this.runner.withUserConfiguration(NamedRecoveryConfiguration.class).run((context) -> {
			LineClient client = context.getBean("lineClient", LineClient.class);
			CountingReconnect first = context.getBean("reconnect", CountingReconnect.class);
			restartServer();
			assertThat(client.send("ECHO one")).isEqualTo("one");
			assertThat(first.recoveries()).isOne();
			CountingReconnect second = new CountingReconnect(this.server::port, Duration.ofSeconds(5));
			DefaultListableBeanFactory beanFactory = (DefaultListableBeanFactory) context.getBeanFactory();
			beanFactory.removeBeanDefinition("reconnect");
			beanFactory.registerSingleton("reconnect", second);
			restartServer();
			assertThat(client.send("ECHO two")).isEqualTo("two");
			assertThat(second.recoveries()).isOne();
			assertThat(first.recoveries()).isOne();
			assertThat(context.getBean(HaConnections.class).find("lineClient").orElseThrow().recoveriesSucceeded())
				.isEqualTo(2);
		});
	}

	@Test
	@DisplayName("H26: without a recovery bean, a @Bean is made again by its factory method")
	void beanWithoutRecoveryIsMadeAgainByItsFactoryMethod() {
		this.runner.withUserConfiguration(ReopenedBeanConfiguration.class).run((context) -> {
			LineClient client = context.getBean(LineClient.class);
			ReopenedBeanConfiguration configuration = context.getBean(ReopenedBeanConfiguration.class);
			assertThat(configuration.made).hasValue(1);
			restartServer();
			assertThat(client.send("ECHO again")).isEqualTo("again");
			assertThat(configuration.made).hasValue(2);
			assertThat(context.getBean(LineClient.class)).isSameAs(client);
			assertThat(context.getBeansOfType(LineClient.class)).containsOnlyKeys("lineClient");
		});
	}

	@Test
	@DisplayName("H26: an @HaAware @Component is made again by its constructor, with its collaborators injected")
	void componentIsMadeAgainByItsConstructor() {
		this.runner.withUserConfiguration(ComponentLineClient.class).run((context) -> {
			LineClient client = context.getBean(LineClient.class);
			assertThat(context.getBean(HaConnections.class).isHaAware(client)).isTrue();
			int before = ComponentLineClient.made.get();
			restartServer();
			assertThat(client.send("ECHO component")).isEqualTo("component");
			assertThat(ComponentLineClient.made.get()).isEqualTo(before + 1);
			assertThat(context.getBean(HaConnections.class).find("component")).isPresent();
		});
	}

	@Test
	@DisplayName("H7: closing the context closes the HA connection and the resource a recovery made")
	void closingTheContextClosesTheConnection() throws Exception {
		HaConnections[] connections = new HaConnections[1];
		this.runner.withUserConfiguration(NamedRecoveryConfiguration.class).run((context) -> {
			connections[0] = context.getBean(HaConnections.class);
			restartServer();
			assertThat(context.getBean("lineClient", LineClient.class).send("ECHO recovered")).isEqualTo("recovered");
			assertThat(connections[0].find("lineClient")).isPresent();
		});
		assertThat(connections[0].find("lineClient")).isEmpty();
		await().untilAsserted(() -> assertThat(this.server.openConnections()).isZero());
	}

	@Test
	@DisplayName("H8: an error that is not stale reaches the caller as the very same object, with no recovery")
	void ordinaryErrorsReachTheCallerUnchanged() {
		this.runner.withUserConfiguration(NamedRecoveryConfiguration.class).run((context) -> {
			Failing failing = context.getBean(Failing.class);
			assertThat(catchThrowable(failing::fail)).isSameAs(FailingBean.ERROR);
			LineClient client = context.getBean("lineClient", LineClient.class);
			Throwable thrown = catchThrowable(() -> client.send("NONSENSE"));
			assertThat(thrown).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ERR ");
			assertThat(context.getBean(HaConnections.class).find("lineClient").orElseThrow().recoveries()).isZero();
		});
	}

	@Test
	@DisplayName("H14: retransmit = NEVER recovers the connection, then says the outcome is unknown")
	void retransmitNeverRecoversThenReportsTheOutcomeUnknown() {
		this.runner.withUserConfiguration(NeverRetransmitConfiguration.class).run((context) -> {
			LineClient client = context.getBean(LineClient.class);
			assertThat(client.send("ECHO first")).isEqualTo("first");
			restartServer();
			assertThatExceptionOfType(OutcomeUnknownException.class).isThrownBy(() -> client.send("INCR"))
				.withCauseInstanceOf(IOException.class)
				.withMessageContaining("'counter'");
			assertThat(client.send("ECHO next")).isEqualTo("next");
			assertThat(context.getBean(HaConnections.class).find("counter").orElseThrow().recoveriesSucceeded())
				.isOne();
		});
	}

	@Test
	@DisplayName("H1: a bean without @HaAware stays the plain object")
	void beansWithoutTheAnnotationStayPlain() {
		this.runner.withUserConfiguration(NamedRecoveryConfiguration.class).run((context) -> {
			assertThat(context.getBean("plainClient")).isInstanceOf(SocketLineClient.class);
			assertThat(context.getBean(HaConnections.class).isHaAware(context.getBean("plainClient"))).isFalse();
		});
	}

	private void restartServer() throws IOException {
		this.server.kill();
		this.server.restart();
	}

	@Configuration(proxyBeanMethods = false)
	static class NamedRecoveryConfiguration {

		@Bean
		@HaAware(recovery = "reconnect")
		LineClient lineClient(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
		}

		@Bean
		SocketLineClient plainClient(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
		}

		@Bean
		RecoveryFunction<LineClient> reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(() -> port, Duration.ofSeconds(5));
		}

		@Bean
		@HaAware(recovery = "reconnect")
		Failing failing() {
			return new FailingBean();
		}

	}

	@Configuration
	static class ReopenedBeanConfiguration {

		final AtomicInteger made = new AtomicInteger();

		@Bean
		@HaAware
		LineClient lineClient(@Value("${line.port}") int port) throws IOException {
			this.made.incrementAndGet();
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NeverRetransmitConfiguration {

		@Bean
		@HaAware(name = "counter", retransmit = RetransmitPolicy.NEVER)
		LineClient lineClient(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
		}

	}

	@Component
	@HaAware(name = "component")
	static class ComponentLineClient implements LineClient {

		static final AtomicInteger made = new AtomicInteger();

		private final SocketLineClient delegate;

		ComponentLineClient(@Value("${line.port}") int port) throws IOException {
			this.delegate = SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
			made.incrementAndGet();
		}

		@Override
		public String send(String request) throws IOException {
			return this.delegate.send(request);
		}

		@Override
		public void close() throws IOException {
			this.delegate.close();
		}

	}

	interface Failing {

		void fail();

	}

	static class FailingBean implements Failing {

		static final IllegalStateException ERROR = new IllegalStateException("not stale");

		@Override
		public void fail() {
			throw ERROR;
		}

	}

}
