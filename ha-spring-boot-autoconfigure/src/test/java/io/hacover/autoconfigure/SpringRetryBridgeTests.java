package io.hacover.autoconfigure;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;
import io.hacover.spring.SpringRetryListenerBridge;
import io.hacover.spring.SpringRetryPolicyResolver;
import io.hacover.testsupport.CountingReconnect;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.backoff.FixedBackOffPolicy;
import org.springframework.retry.policy.SimpleRetryPolicy;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The optional spring-retry bridge: spring-retry {@code RetryTemplate} and
 * {@code BackOffPolicy} beans as recovery policies and {@code RetryListener} beans told
 * of recoveries, and the same application without spring-retry on the class path.
 */
class SpringRetryBridgeTests {

	private static final String HOST = "127.0.0.1";

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

	private static final Duration AWAIT = Duration.ofSeconds(10);

	private final LineServer server;

	private final ExecutorService executor = Executors.newSingleThreadExecutor();

	private final ApplicationContextRunner contextRunner;

	SpringRetryBridgeTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withUserConfiguration(LineClientConfiguration.class)
			.withPropertyValues("line.port=" + this.server.port());
	}

	@AfterEach
	void stop() throws InterruptedException {
		this.executor.shutdownNow();
		this.executor.awaitTermination(5, TimeUnit.SECONDS);
		this.server.close();
	}

	@Test
	@DisplayName("a RetryTemplate policy bounds the attempts and retry listeners hear them (H11, H12)")
	void retryTemplatePolicyBoundsTheAttemptsAndRetryListenersHearThem() {
		this.contextRunner.withUserConfiguration(RetryTemplateConfiguration.class, RetryListenerConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersRetry")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				Throwable failure = catchThrowable(() -> orders.send("PING"));
				assertThat(failure).isInstanceOf(IOException.class);
				assertThat(failure.getSuppressed()).singleElement()
					.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
						assertThat(reason.getConnection()).isEqualTo("orders");
						assertThat(reason.getAttempts()).isEqualTo(3);
					});
				assertThat(context.getBean(CountingReconnect.class).calls()).isEqualTo(3);
				ConnectionInfo info = context.getBean(HaConnections.class).find("orders").orElseThrow();
				assertThat(info.attemptsFailed()).isEqualTo(3);
				assertThat(info.recoveriesFailed()).isOne();
				RecordingRetryListener listener = context.getBean(RecordingRetryListener.class);
				assertThat(listener.opened).containsExactly("orders");
				assertThat(listener.errors).hasSize(3)
					.allSatisfy((error) -> assertThat(error).isInstanceOf(ConnectException.class));
				assertThat(listener.successes).isEmpty();
				assertThat(listener.closed).singleElement().isSameAs(failure);
			});
	}

	@Test
	@DisplayName("a RetryTemplate that retries chosen exceptions judges the recovery's own failures (H12)")
	void retryTemplateThatRetriesChosenExceptionsJudgesTheRecoverysOwnFailures() {
		this.contextRunner.withUserConfiguration(ClassifyingRetryTemplateConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersRetry")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				Throwable failure = catchThrowable(() -> orders.send("PING"));
				assertThat(failure).isInstanceOf(IOException.class);
				assertThat(context.getBean(CountingReconnect.class).calls()).isEqualTo(3);
			});
	}

	@Test
	@DisplayName("a BackOffPolicy bean spaces the attempts until the server is back (H10, H12)")
	void backOffPolicyBeanSpacesTheAttemptsUntilTheServerIsBack() {
		this.contextRunner.withUserConfiguration(BackOffPolicyConfiguration.class, RetryListenerConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersBackOff")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				CountingReconnect reconnect = context.getBean(CountingReconnect.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				Future<String> reply = this.executor.submit(() -> orders.send("ECHO back"));
				await().atMost(AWAIT).until(() -> reconnect.calls() >= 2);
				this.server.restart();
				assertThat(reply).succeedsWithin(AWAIT).isEqualTo("back");
				RecordingRetryListener listener = context.getBean(RecordingRetryListener.class);
				assertThat(listener.opened).containsExactly("orders");
				assertThat(listener.errors).hasSize(reconnect.calls() - 1);
				assertThat(listener.successes).containsExactly("orders");
				assertThat(listener.closed).containsExactly((Throwable) null);
			});
	}

	@Test
	void withoutSpringRetryTheContextStartsWithoutTheBridge() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.retry")).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(HaConnections.class);
			assertThat(context).doesNotHaveBean(SpringRetryPolicyResolver.class);
			assertThat(context).doesNotHaveBean(SpringRetryListenerBridge.class);
		});
	}

	@Test
	@DisplayName("without spring-retry, a Spring Framework BackOff bean spaces the attempts (H10, H12)")
	void withoutSpringRetryASpringFrameworkBackOffBeanSpacesTheAttempts() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.retry"))
			.withUserConfiguration(FrameworkBackOffConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersBackOff")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				CountingReconnect reconnect = context.getBean(CountingReconnect.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				Future<String> reply = this.executor.submit(() -> orders.send("PING"));
				await().atMost(AWAIT).until(() -> reconnect.calls() >= 2);
				this.server.restart();
				assertThat(reply).succeedsWithin(AWAIT).isEqualTo("PONG");
				ConnectionInfo info = context.getBean(HaConnections.class).find("orders").orElseThrow();
				assertThat(info.recoveriesSucceeded()).isOne();
				assertThat(info.attemptsFailed()).isEqualTo(reconnect.calls() - 1);
			});
	}

	@Test
	void withoutSpringRetryAPolicyBeanOfAnotherTypeFailsStartUp() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.retry"))
			.withUserConfiguration(UnusablePolicyConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersBackOff")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new HaConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("connection 'orders'", "ha.connections.orders.policy",
						"bean 'ordersBackOff' is a java.lang.String, which cannot space recovery attempts");
				assertThat(analysis.getAction()).contains("name a bean of type RecoveryPolicy or BackOff");
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class LineClientConfiguration {

		@Bean
		@HaAware(recovery = "reconnect")
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(() -> port, READ_TIMEOUT);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RetryTemplateConfiguration {

		@Bean
		RetryTemplate ordersRetry() {
			FixedBackOffPolicy backOff = new FixedBackOffPolicy();
			backOff.setBackOffPeriod(10);
			RetryTemplate template = new RetryTemplate();
			template.setRetryPolicy(new SimpleRetryPolicy(3));
			template.setBackOffPolicy(backOff);
			return template;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ClassifyingRetryTemplateConfiguration {

		@Bean
		RetryTemplate ordersRetry() {
			FixedBackOffPolicy backOff = new FixedBackOffPolicy();
			backOff.setBackOffPeriod(10);
			RetryTemplate template = new RetryTemplate();
			template.setRetryPolicy(new SimpleRetryPolicy(3, Map.of(ConnectException.class, true)));
			template.setBackOffPolicy(backOff);
			return template;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BackOffPolicyConfiguration {

		@Bean
		FixedBackOffPolicy ordersBackOff() {
			FixedBackOffPolicy backOff = new FixedBackOffPolicy();
			backOff.setBackOffPeriod(10);
			return backOff;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RetryListenerConfiguration {

		@Bean
		RecordingRetryListener retryListener() {
			return new RecordingRetryListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FrameworkBackOffConfiguration {

		@Bean
		FixedBackOff ordersBackOff() {
			return new FixedBackOff(10, FixedBackOff.UNLIMITED_ATTEMPTS);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnusablePolicyConfiguration {

		@Bean
		String ordersBackOff() {
			return "10ms";
		}

	}

	/**
	 * Records what spring-retry listeners are told: the connection name for opens and
	 * successes, the error for failed attempts and closes.
	 */
	static final class RecordingRetryListener implements RetryListener {

		final List<String> opened = new CopyOnWriteArrayList<>();

		final List<Throwable> errors = new CopyOnWriteArrayList<>();

		final List<String> successes = new CopyOnWriteArrayList<>();

		final List<Throwable> closed = new CopyOnWriteArrayList<>();

		@Override
		public <T, E extends Throwable> boolean open(RetryContext context, RetryCallback<T, E> callback) {
			this.opened.add((String) context.getAttribute(RetryContext.NAME));
			return true;
		}

		@Override
		public <T, E extends Throwable> void onError(RetryContext context, RetryCallback<T, E> callback,
				Throwable throwable) {
			this.errors.add(throwable);
		}

		@Override
		public <T, E extends Throwable> void onSuccess(RetryContext context, RetryCallback<T, E> callback, T result) {
			this.successes.add((String) context.getAttribute(RetryContext.NAME));
		}

		@Override
		public <T, E extends Throwable> void close(RetryContext context, RetryCallback<T, E> callback,
				Throwable throwable) {
			this.closed.add(throwable);
		}

	}

}
