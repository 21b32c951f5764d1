package io.hacover.actuate;

import java.io.IOException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.autoconfigure.HaHealthContributorAutoConfiguration;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.LeakingLineClient;
import io.hacover.testsupport.LeakingOrdersConfiguration;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.OrdersConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests for {@link HaHealthIndicator}: the health of HA connections to a real line server
 * that is killed, left dead and restarted.
 */
class HaHealthIndicatorTests {

	private static final String HOST = "127.0.0.1";

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaHealthIndicatorTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(HaAutoConfiguration.class, HaHealthContributorAutoConfiguration.class))
			.withPropertyValues(properties());
	}

	private String[] properties() {
		return new String[] { "line.port=" + this.server.port(), "ha.defaults.backoff.initial-delay=10ms",
				"ha.defaults.backoff.max-delay=20ms", "ha.defaults.backoff.max-attempts=3" };
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void upWithNoConnection() {
		Health health = new HaHealthIndicator(HaConnections.create()).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsOnlyKeys("connections");
		assertThat(connections(health)).isEmpty();
	}

	@Test
	@DisplayName("H18: UP after attach, with each connection's kind, state and counters")
	void upAfterAttachWithEachConnectionsDetails() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			Health health = context.getBean(HaHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsOnlyKeys("connections");
			assertThat(connections(health)).containsOnlyKeys("orders");
			assertThat(connection(health, "orders")).containsExactly(Map.entry("kind", "client"),
					Map.entry("state", ConnectionState.ATTACHED), Map.entry("recoveriesSucceeded", 0L),
					Map.entry("recoveriesFailed", 0L), Map.entry("attemptsFailed", 0L));
		});
	}

	@Test
	@DisplayName("H11, H18: DOWN once a recovery gave up, naming the connection and its last failure; UP again after a recovery")
	void downOnceARecoveryGaveUpAndUpAgainAfterARecovery() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			HaHealthIndicator indicator = context.getBean(HaHealthIndicator.class);
			LineClient orders = context.getBean("orders", LineClient.class);
			Instant before = Instant.now();
			this.server.kill();
			Throwable stale = catchThrowable(() -> orders.send("PING"));
			assertThat(stale).isInstanceOf(IOException.class);
			Health down = indicator.health();
			assertThat(down.getStatus()).isEqualTo(Status.DOWN);
			assertThat(down.getDetails()).containsEntry("failed", List.of("orders"));
			assertThat(connection(down, "orders")).containsEntry("state", ConnectionState.FAILED)
				.containsEntry("recoveriesSucceeded", 0L)
				.containsEntry("recoveriesFailed", 1L)
				.containsEntry("attemptsFailed", 3L);
			Map<String, Object> lastFailure = lastFailure(down, "orders");
			assertThat(lastFailure).containsOnlyKeys("time", "type", "message")
				.containsEntry("type", stale.getClass().getName())
				.containsEntry("message", stale.getMessage());
			assertThat((Instant) lastFailure.get("time")).isAfterOrEqualTo(before);
			this.server.restart();
			assertThat(orders.send("PING")).isEqualTo("PONG");
			Health up = indicator.health();
			assertThat(up.getStatus()).isEqualTo(Status.UP);
			assertThat(up.getDetails()).doesNotContainKey("failed");
			assertThat(connection(up, "orders")).containsEntry("state", ConnectionState.ATTACHED)
				.containsEntry("recoveriesSucceeded", 1L)
				.containsEntry("recoveriesFailed", 1L)
				.containsEntry("attemptsFailed", 3L)
				.containsKey("lastFailure");
		});
	}

	@Test
	@DisplayName("H5: a detached connection is UP, even one whose last recovery gave up")
	void detachedConnectionIsUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			HaHealthIndicator indicator = context.getBean(HaHealthIndicator.class);
			this.server.kill();
			catchThrowable(() -> context.getBean("orders", LineClient.class).send("PING"));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			context.getBean(HaConnections.class).control("orders").detach();
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(connection(health, "orders")).containsEntry("state", ConnectionState.DETACHED);
		});
	}

	@Test
	@DisplayName("H17: a suspended connection is UP, even one whose last recovery gave up")
	void suspendedConnectionIsUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			HaHealthIndicator indicator = context.getBean(HaHealthIndicator.class);
			this.server.kill();
			catchThrowable(() -> context.getBean("orders", LineClient.class).send("PING"));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			context.getBean(HaConnections.class).control("orders").suspend();
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(connection(health, "orders")).containsEntry("state", ConnectionState.SUSPENDED);
		});
	}

	@Test
	@DisplayName("H18: a failure message with credentials shows none of them")
	void failureMessageWithCredentialsShowsNone() {
		this.contextRunner.withUserConfiguration(LeakingOrdersConfiguration.class).run((context) -> {
			this.server.kill();
			Throwable stale = catchThrowable(() -> context.getBean("orders", LineClient.class).send("PING"));
			assertThat(stale).hasMessage(LeakingLineClient.MESSAGE);
			Health health = context.getBean(HaHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(lastFailure(health, "orders")).containsEntry("type", SocketException.class.getName())
				.containsEntry("message", "connect to jdbc:postgresql://******@h/db?password=****** failed");
			assertThat(health.toString()).doesNotContain("secret");
		});
	}

	@Test
	@DisplayName("H18: /actuator/health shows component 'ha' DOWN, with no credentials in its JSON")
	void actuatorHealthShowsTheHaComponentWithNoCredentials() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WebApplication.class)
			.properties(properties())
			.properties("server.port=0", "management.endpoint.health.show-details=always",
					"spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
			.run()) {
			this.server.kill();
			catchThrowable(() -> context.getBean("orders", LineClient.class).send("PING"));
			HttpResponse<String> response = get(context, "/actuator/health");
			assertThat(response.statusCode()).isEqualTo(503);
			String json = response.body();
			assertThat(json).doesNotContain("secret");
			assertThat((String) JsonPath.read(json, "$.components.ha.status")).isEqualTo("DOWN");
			assertThat((List<String>) JsonPath.read(json, "$.components.ha.details.failed")).containsExactly("orders");
			assertThat((String) JsonPath.read(json, "$.components.ha.details.connections.orders.state"))
				.isEqualTo("FAILED");
			assertThat((String) JsonPath.read(json, "$.components.ha.details.connections.orders.lastFailure.message"))
				.contains("******");
		}
	}

	private static HttpResponse<String> get(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		URI uri = URI.create("http://" + HOST + ":" + context.getEnvironment().getProperty("local.server.port") + path);
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> connections(Health health) {
		return (Map<String, Object>) health.getDetails().get("connections");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> connection(Health health, String name) {
		return (Map<String, Object>) connections(health).get(name);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> lastFailure(Health health, String name) {
		return (Map<String, Object>) connection(health, name).get("lastFailure");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(LeakingOrdersConfiguration.class)
	static class WebApplication {

	}

}
