package io.hacover.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.spring.HaAware;
import io.hacover.spring.HaAwareBeanPostProcessor;
import io.hacover.spring.SpringRetryListenerBridge;
import io.hacover.spring.SpringRetryPolicyResolver;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link HaAutoConfiguration}: on by default, backing off, off by property, and
 * picking up the application's listeners and classifiers.
 */
class HaAutoConfigurationTests {

	private static final String HOST = "127.0.0.1";

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaAutoConfigurationTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withPropertyValues("line.port=" + this.server.port());
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void configuresHaConnectionsByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(HaConnections.class);
			assertThat(context).hasSingleBean(HaAwareBeanPostProcessor.class);
			assertThat(context.getBean(HaConnections.class).connections()).isEmpty();
		});
	}

	@Test
	@DisplayName("H12: an @HaAware client that names its endpoints waits for the readiness probe while its server "
			+ "is down, and reconnects once the port opens")
	void haAwareClientWithEndpointsWaitsForTheProbe() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.endpoints=" + HOST + ":" + this.server.port(),
					"ha.defaults.backoff.initial-delay=20ms", "ha.defaults.backoff.max-delay=20ms",
					"ha.defaults.backoff.max-attempts=1000")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				HaConnections connections = context.getBean(HaConnections.class);
				assertThat(orders.send("ECHO before")).isEqualTo("before");
				this.server.kill();
				CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
					try {
						return orders.send("ECHO after");
					}
					catch (IOException ex) {
						throw new IllegalStateException(ex);
					}
				});
				InetSocketAddress endpoint = new InetSocketAddress(HOST, this.server.port());
				await().until(() -> connections.probesSent(endpoint) >= 30);
				assertThat(connections.find("orders").orElseThrow().attempts()).isOne();
				this.server.restart();
				assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("after");
			});
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.endpoints=nowhere")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("ha.connections.orders.endpoints[0]"));
		this.contextRunner.withPropertyValues("ha.probe.interval=-1ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("ha.probe.interval"));
	}

	@Test
	void backsOffWhenTheUserDefinesHaConnections() {
		this.contextRunner.withUserConfiguration(UserConnectionsConfiguration.class, OrdersConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(HaConnections.class);
				HaConnections connections = context.getBean(HaConnections.class);
				assertThat(connections).isSameAs(context.getBean("userConnections"));
				assertThat(connections.isHaAware(context.getBean("orders"))).isTrue();
			});
	}

	@Test
	@DisplayName("HaListener beans hear the events of a table the application defines itself (H18)")
	void listenerBeansHearTheUsersOwnTable() {
		this.contextRunner
			.withUserConfiguration(UserConnectionsConfiguration.class, OrdersConfiguration.class,
					ListenerConfiguration.class)
			.run((context) -> {
				assertThat(context.getBean(HaConnections.class)).isSameAs(context.getBean("userConnections"));
				assertThat(context.getBean(RecordingListener.class).kinds("orders"))
					.containsExactly(HaEvent.Kind.ATTACHED);
			});
	}

	@Test
	@DisplayName("H1: without spring-retry on the class path, its bridge backs off and the rest is configured")
	void springRetryBridgeBacksOffWithoutSpringRetry() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.retry"))
			.run((context) -> assertThat(context).hasSingleBean(HaConnections.class)
				.hasSingleBean(HaAwareBeanPostProcessor.class)
				.doesNotHaveBean(SpringRetryPolicyResolver.class)
				.doesNotHaveBean(SpringRetryListenerBridge.class));
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(SpringRetryPolicyResolver.class)
			.hasSingleBean(SpringRetryListenerBridge.class));
	}

	@Test
	@DisplayName("ha.enabled=false leaves @HaAware beans plain objects (H1)")
	void haEnabledFalseLeavesHaAwareBeansPlainObjects() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(HaConnections.class);
				assertThat(context).doesNotHaveBean(HaAwareBeanPostProcessor.class);
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders).isInstanceOf(SocketLineClient.class);
				this.server.kill();
				this.server.restart();
				assertThatIOException().isThrownBy(() -> orders.send("PING"));
				assertThat(context.getBean(CountingReconnect.class).calls()).isZero();
			});
	}

	@Test
	@DisplayName("a bean without @HaAware is never proxied (H1)")
	void beanWithoutHaAwareIsNeverProxied() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class, PlainClientConfiguration.class)
			.run((context) -> {
				HaConnections connections = context.getBean(HaConnections.class);
				LineClient plain = context.getBean("plain", LineClient.class);
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(plain).isInstanceOf(SocketLineClient.class);
				assertThat(connections.isHaAware(plain)).isFalse();
				assertThat(orders).isNotInstanceOf(SocketLineClient.class);
				assertThat(connections.isHaAware(orders)).isTrue();
				assertThat(connections.connections()).singleElement()
					.satisfies((info) -> assertThat(info.name()).isEqualTo("orders"));
				this.server.kill();
				this.server.restart();
				assertThatIOException().isThrownBy(() -> plain.send("PING"));
				assertThat(context.getBean(CountingReconnect.class).calls()).isZero();
			});
	}

	@Test
	@DisplayName("HaListener beans hear attach, recovery and retransmission (H10, H18)")
	void haListenerBeansHearAttachRecoveryAndRetransmission() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class, ListenerConfiguration.class)
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("ECHO again")).isEqualTo("again");
				assertThat(context.getBean(RecordingListener.class).kinds("orders")).containsExactly(
						HaEvent.Kind.ATTACHED, HaEvent.Kind.RECOVERY_STARTED, HaEvent.Kind.RECOVERED,
						HaEvent.Kind.RETRANSMITTED);
			});
	}

	@Test
	@DisplayName("an exception type not declared stale reaches the caller unchanged (H8)")
	void exceptionTypeNotDeclaredStaleReachesTheCallerUnchanged() {
		this.contextRunner.withUserConfiguration(TranslatingClientConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			assertThat(orders.send("PING")).isEqualTo("PONG");
			this.server.kill();
			this.server.restart();
			assertThatExceptionOfType(ServerGoneException.class).isThrownBy(() -> orders.send("PING"))
				.satisfies((ex) -> assertThat(ex.getSuppressed()).isEmpty());
			assertThat(context.getBean(CountingReconnect.class).calls()).isZero();
		});
	}

	@Test
	@DisplayName("ha.stale-exceptions declares a custom exception type stale (H8, H10)")
	void staleExceptionsPropertyDeclaresACustomExceptionTypeStale() {
		this.contextRunner.withUserConfiguration(TranslatingClientConfiguration.class)
			.withPropertyValues("ha.stale-exceptions=" + ServerGoneException.class.getName())
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(context.getBean(CountingReconnect.class).calls()).isOne();
			});
	}

	@Test
	@DisplayName("a StaleConnectionClassifier bean declares a custom exception type stale (H8, H10)")
	void staleConnectionClassifierBeanDeclaresACustomExceptionTypeStale() {
		this.contextRunner.withUserConfiguration(TranslatingClientConfiguration.class, ClassifierConfiguration.class)
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(context.getBean(CountingReconnect.class).calls()).isOne();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class OrdersConfiguration {

		@Bean
		@HaAware(recovery = "reconnect")
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(port, false);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PlainClientConfiguration {

		@Bean
		LineClient plain(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserConnectionsConfiguration {

		@Bean
		HaConnections userConnections() {
			return HaConnections.create();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TranslatingClientConfiguration {

		@Bean
		@HaAware(recovery = "reconnect")
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return new TranslatingLineClient(SocketLineClient.connect(HOST, port, READ_TIMEOUT));
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(port, true);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ClassifierConfiguration {

		@Bean
		StaleConnectionClassifier serverGoneIsStale() {
			return (error) -> error instanceof ServerGoneException;
		}

	}

	/**
	 * Reconnects to the line server and counts its calls.
	 */
	static final class CountingReconnect implements RecoveryFunction<LineClient> {

		private final int port;

		private final boolean translating;

		private final AtomicInteger calls = new AtomicInteger();

		CountingReconnect(int port, boolean translating) {
			this.port = port;
			this.translating = translating;
		}

		@Override
		public LineClient recover(RecoveryContext<LineClient> context) throws IOException {
			this.calls.incrementAndGet();
			LineClient client = SocketLineClient.connect(HOST, this.port, READ_TIMEOUT);
			return (this.translating) ? new TranslatingLineClient(client) : client;
		}

		int calls() {
			return this.calls.get();
		}

	}

	/**
	 * A client of the application's own making that reports a lost connection as its own
	 * exception, with no I/O error in the cause chain.
	 */
	static final class TranslatingLineClient implements LineClient {

		private final LineClient delegate;

		TranslatingLineClient(LineClient delegate) {
			this.delegate = delegate;
		}

		@Override
		public String send(String request) {
			try {
				return this.delegate.send(request);
			}
			catch (IOException ex) {
				throw new ServerGoneException("server gone: " + ex.getMessage());
			}
		}

		@Override
		public void close() throws IOException {
			this.delegate.close();
		}

	}

	static class ServerGoneException extends RuntimeException {

		ServerGoneException(String message) {
			super(message);
		}

	}

	/**
	 * Records the events the engine publishes.
	 */
	static final class RecordingListener implements HaListener {

		private final List<HaEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onEvent(HaEvent event) {
			this.events.add(event);
		}

		List<HaEvent.Kind> kinds(String connection) {
			return this.events.stream()
				.filter((event) -> event.connection().equals(connection))
				.map(HaEvent::kind)
				.toList();
		}

	}

}
