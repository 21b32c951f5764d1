package io.hacover.autoconfigure;

import java.io.IOException;
import java.time.Duration;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;
import io.hacover.core.OutcomeUnknownException;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;
import io.hacover.spring.HaAware;
import io.hacover.spring.HaConfigurationException;
import io.hacover.testsupport.CountingReconnect;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every bad {@code ha.*} setting or {@code @HaAware} declaration fails start-up with one
 * report that names the connection, the key and the fix; a valid configuration with every
 * key set starts and is applied.
 */
class HaMisconfigurationTests {

	private static final String HOST = "127.0.0.1";

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaMisconfigurationTests() throws IOException {
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
	void unknownRecoveryBeanNamedByHaAwareFailsStartUp() {
		this.contextRunner.withUserConfiguration(UnknownRecoveryConfiguration.class)
			.run((context) -> assertMisconfigured(context, "orders", "@HaAware(recovery) on bean 'orders'",
					"recovery bean 'reconnectOrders' not found", "define a bean of type RecoveryFunction named "
							+ "'reconnectOrders', or fix the name at @HaAware(recovery) on bean 'orders'"));
	}

	@Test
	void unknownRecoveryBeanNamedByPropertyFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.recovery=reconnectOrders")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.recovery",
					"recovery bean 'reconnectOrders' not found",
					"define a bean of type RecoveryFunction named 'reconnectOrders'"));
	}

	@Test
	void recoveryBeanOfTheWrongTypeFailsStartUp() {
		this.contextRunner.withUserConfiguration(WrongRecoveryTypeConfiguration.class)
			.run((context) -> assertMisconfigured(context, "orders", "@HaAware(recovery) on bean 'orders'",
					"bean 'notARecovery' is a java.lang.String, not a RecoveryFunction",
					"name a bean of type io.hacover.core.RecoveryFunction"));
	}

	@Test
	void haAwareOnABeanWhoseClassImplementsNoInterfaceFailsStartUp() {
		this.contextRunner.withUserConfiguration(NoInterfaceConfiguration.class)
			.run((context) -> assertMisconfigured(context, "plain", "@HaAware on bean 'plain'",
					"implements no interface, so there is nothing to proxy",
					"declare the bean (or the @Bean method's return type) as an interface"));
	}

	@Test
	void negativeDurationFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.backoff.initial-delay=-5ms")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.backoff.initial-delay",
					"a negative duration", "give a positive duration"));
	}

	@Test
	void absurdBudgetUnderDefaultsFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.defaults.backoff.budget=400d")
			.run((context) -> assertMisconfigured(context, "*", "ha.defaults.backoff.budget",
					"longer than the sensible maximum", "give a shorter duration"));
	}

	@Test
	void absurdMaxDelayFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.backoff.max-delay=2h")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.backoff.max-delay",
					"longer than the sensible maximum", "give a shorter duration"));
	}

	@Test
	void maxDelayShorterThanInitialDelayFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.backoff.initial-delay=500ms",
					"ha.connections.orders.backoff.max-delay=100ms")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.backoff.max-delay",
					"shorter than the initial delay", "make it at least the initial delay"));
	}

	@Test
	void multiplierBelowOneFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.backoff.multiplier=0.5")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.backoff.multiplier",
					"is 0.5", "give a factor between 1.0 and 100.0"));
	}

	@Test
	void zeroMaxAttemptsFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.backoff.max-attempts=0")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.backoff.max-attempts",
					"is 0, less than 1", "attempts, the first included"));
	}

	@Test
	void maxRecoveriesBelowMinusOneFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.max-recoveries=-2")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.max-recoveries",
					"is -2, less than -1", "-1 (no limit), 0 (recovery off) or a positive limit"));
	}

	@Test
	void unknownKeyUnderAConnectionFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.recovry=reconnectOrders")
			.run((context) -> assertBindingFailed(context, "orders", "ha.connections.orders.recovry",
					"remove or rename it", "recovery, policy, retransmit"));
	}

	@Test
	void unknownKeyUnderDefaultsFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.defaults.max-attempts=3")
			.run((context) -> assertBindingFailed(context, "*", "ha.defaults.max-attempts", "remove or rename it",
					"backoff.max-attempts"));
	}

	@Test
	void badRetransmitValueFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.retransmit=sometimes")
			.run((context) -> assertBindingFailed(context, "orders", "ha.connections.orders.retransmit",
					"give ha.connections.orders.retransmit one of always, safe, never"));
	}

	@Test
	void badRetransmitValueIsReportedWithTheAcceptedValues() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.retransmit=sometimes")
			.run((context) -> {
				FailureAnalysis analysis = new HaBindFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getAction().toLowerCase()).contains("always", "safe", "never");
			});
	}

	@Test
	void connectionSectionNamingNoHaConnectionFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.ordres.max-recoveries=3")
			.run((context) -> assertMisconfigured(context, "ordres", "ha.connections.ordres",
					"no HA connection is named 'ordres' (known: [orders])",
					"fix the name, mark the bean @HaAware, declare the connection (channel, http, socket or jdbc), "
							+ "or remove the section"));
	}

	@Test
	void staleExceptionNamingAMissingClassFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.stale-exceptions=com.example.NoSuchException")
			.run((context) -> assertMisconfigured(context, "*", "ha.stale-exceptions[0]",
					"class 'com.example.NoSuchException' not found",
					"give the fully qualified name of an exception class on the class path"));
	}

	@Test
	void staleExceptionNamingANonExceptionClassFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.stale-exceptions=java.net.SocketException,java.lang.String")
			.run((context) -> assertMisconfigured(context, "*", "ha.stale-exceptions[1]",
					"class 'java.lang.String' is not an exception",
					"give the fully qualified name of a Throwable subclass"));
	}

	@Test
	void policyNamingAMissingBeanFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersBackOff")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.policy",
					"no bean named 'ordersBackOff'",
					"define a bean of type RecoveryPolicy or BackOff (or, with spring-retry, BackOffPolicy or "
							+ "RetryTemplate) with that name, or remove ha.connections.orders.policy"));
	}

	@Test
	void policyNamingABeanOfAnUnusableTypeFailsStartUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class, UnusablePolicyConfiguration.class)
			.withPropertyValues("ha.connections.orders.policy=ordersBackOff")
			.run((context) -> assertMisconfigured(context, "orders", "ha.connections.orders.policy",
					"bean 'ordersBackOff' is a java.time.Duration, which cannot space recovery attempts",
					"name a bean of type RecoveryPolicy or BackOff"));
	}

	@Test
	@DisplayName("valid configuration with every key set starts and is applied (H12, H14, H15, H16)")
	void validConfigurationWithEveryKeySetStartsAndIsApplied() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class, BillingConfiguration.class)
			.withPropertyValues("ha.enabled=true", "ha.stale-exceptions=java.util.concurrent.TimeoutException",
					"ha.defaults.recovery=reconnect", "ha.defaults.retransmit=safe",
					"ha.defaults.max-retransmissions=2", "ha.defaults.max-recoveries=50",
					"ha.defaults.max-consecutive-failures=5", "ha.defaults.backoff.initial-delay=10ms",
					"ha.defaults.backoff.multiplier=1.5", "ha.defaults.backoff.max-delay=100ms",
					"ha.defaults.backoff.max-attempts=4", "ha.defaults.backoff.budget=2s",
					"ha.defaults.backoff.jitter=0ms", "ha.connections.orders.recovery=reconnect",
					"ha.connections.orders.retransmit=never", "ha.connections.orders.max-retransmissions=1",
					"ha.connections.orders.max-recoveries=7", "ha.connections.orders.max-consecutive-failures=2",
					"ha.connections.orders.backoff.initial-delay=20ms", "ha.connections.orders.backoff.multiplier=3",
					"ha.connections.orders.backoff.max-delay=200ms", "ha.connections.orders.backoff.max-attempts=5",
					"ha.connections.orders.backoff.budget=5s", "ha.connections.orders.backoff.jitter=5ms",
					"ha.connections.billing.policy=billingBackOff", "ha.connections.billing.max-recoveries=9")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				HaConnections connections = context.getBean(HaConnections.class);
				ConnectionSettings defaults = connections.defaults();
				assertThat(defaults.retransmit()).isEqualTo(RetransmitPolicy.SAFE);
				assertThat(defaults.maxRetransmissions()).isEqualTo(2);
				assertThat(defaults.maxRecoveries()).isEqualTo(50);
				assertThat(defaults.maxConsecutiveFailures()).isEqualTo(5);
				assertThat(defaults.policy().budget()).isEqualTo(Duration.ofSeconds(2));
				BackOffExecution spacing = defaults.policy().start();
				assertThat(spacing.nextBackOff()).isEqualTo(10);
				assertThat(spacing.nextBackOff()).isEqualTo(15);
				assertThat(spacing.nextBackOff()).isEqualTo(22);
				assertThat(spacing.nextBackOff()).isEqualTo(BackOffExecution.STOP);
				ConnectionInfo orders = connections.find("orders").orElseThrow();
				assertThat(orders.state()).isEqualTo(ConnectionState.ATTACHED);
				assertThat(orders.maxRecoveries()).isEqualTo(7);
				assertThat(orders.maxConsecutiveFailures()).isEqualTo(2);
				assertThat(connections.control("orders").info()).isEqualTo(orders);
				ConnectionInfo billing = connections.control("billing").info();
				assertThat(billing.maxRecoveries()).isEqualTo(9);
				assertThat(billing.maxConsecutiveFailures()).isEqualTo(5);
			});
	}

	@Test
	@DisplayName("a connection's own retransmit setting overrides the default (H14)")
	void connectionsOwnRetransmitSettingOverridesTheDefault() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("ha.defaults.retransmit=always", "ha.connections.orders.recovery=reconnect",
					"ha.connections.orders.retransmit=never")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				this.server.restart();
				assertThatExceptionOfType(OutcomeUnknownException.class).isThrownBy(() -> orders.send("PING"));
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(context.getBean(CountingReconnect.class).calls()).isOne();
			});
	}

	@Test
	@DisplayName("a connection's own retransmit setting overrides the one of @HaAware (H14)")
	void connectionsOwnRetransmitSettingOverridesTheOneOfHaAware() {
		this.contextRunner.withUserConfiguration(NeverRetransmitConfiguration.class)
			.withPropertyValues("ha.connections.orders.retransmit=always")
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
	@DisplayName("the retransmit policy of @HaAware overrides ha.defaults.retransmit (H14)")
	void retransmitPolicyOfHaAwareOverridesTheDefault() {
		this.contextRunner.withUserConfiguration(NeverRetransmitConfiguration.class)
			.withPropertyValues("ha.defaults.retransmit=always")
			.run((context) -> {
				LineClient orders = context.getBean("orders", LineClient.class);
				assertThat(orders.send("PING")).isEqualTo("PONG");
				this.server.kill();
				this.server.restart();
				assertThatExceptionOfType(OutcomeUnknownException.class).isThrownBy(() -> orders.send("PING"));
				assertThat(context.getBean(CountingReconnect.class).calls()).isOne();
			});
	}

	private static void assertMisconfigured(AssertableApplicationContext context, String connection, String key,
			String problem, String fix) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		HaConfigurationException exception = causeOfType(failure, HaConfigurationException.class);
		assertThat(exception).as("HaConfigurationException in the cause chain of %s", failure).isNotNull();
		assertThat(exception.getConnection()).isEqualTo(connection);
		assertThat(exception.getKey()).isEqualTo(key);
		FailureAnalysis analysis = new HaConfigurationFailureAnalyzer().analyze(failure);
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains(HaConfigurationException.describe(connection), key, problem);
		assertThat(analysis.getAction()).startsWith("Fix: ").contains(fix);
		assertThat(analysis.getCause()).isSameAs(exception);
	}

	private static void assertBindingFailed(AssertableApplicationContext context, String connection, String key,
			String... fix) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		BindException exception = causeOfType(failure, BindException.class);
		assertThat(exception).as("BindException in the cause chain of %s", failure).isNotNull();
		FailureAnalysis analysis = new HaBindFailureAnalyzer().analyze(failure);
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains(HaConfigurationException.describe(connection), key);
		assertThat(analysis.getAction()).startsWith("Fix: ").contains(fix);
	}

	private static <E extends Throwable> E causeOfType(Throwable failure, Class<E> type) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		return null;
	}

	@Configuration(proxyBeanMethods = false)
	static class OrdersConfiguration {

		@Bean
		@HaAware
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(() -> port, READ_TIMEOUT);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BillingConfiguration {

		@Bean
		@HaAware
		LineClient billing(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		FixedBackOff billingBackOff() {
			return new FixedBackOff(10, 3);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NeverRetransmitConfiguration {

		@Bean
		@HaAware(recovery = "reconnect", retransmit = RetransmitPolicy.NEVER)
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(() -> port, READ_TIMEOUT);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnknownRecoveryConfiguration {

		@Bean
		@HaAware(recovery = "reconnectOrders")
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class WrongRecoveryTypeConfiguration {

		@Bean
		@HaAware(recovery = "notARecovery")
		LineClient orders(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect(HOST, port, READ_TIMEOUT);
		}

		@Bean
		String notARecovery() {
			return "reconnect";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NoInterfaceConfiguration {

		@Bean
		@HaAware
		PlainResource plain() {
			return new PlainResource();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnusablePolicyConfiguration {

		@Bean
		Duration ordersBackOff() {
			return Duration.ofMillis(10);
		}

	}

	static class PlainResource {

	}

}
