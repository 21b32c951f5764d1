package io.hacover.actuate;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.hacover.actuate.ActuatorClient.Reply;
import io.hacover.actuate.LineClientApplication.LastStaleError;
import io.hacover.actuate.LineClientApplication.Reconnect;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The {@code ha} endpoint over HTTP in an application with Spring Security, its writes
 * opened by {@code management.endpoint.ha.access=unrestricted}, against a real server
 * that crashes and restarts.
 */
@SpringBootTest(classes = LineClientApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"management.endpoints.web.exposure.include=ha,metrics,health", "management.endpoint.ha.access=unrestricted" })
class HaEndpointWebTests {

	private static final String OPERATOR = "operator:operator-password";

	private static LineServer server;

	@LocalServerPort
	private int port;

	@Autowired
	private LineClient client;

	@Autowired
	private HaConnections connections;

	@Autowired
	private Reconnect reconnect;

	@Autowired
	private Reconnect otherReconnect;

	@Autowired
	private LastStaleError lastStaleError;

	private ActuatorClient actuator;

	@DynamicPropertySource
	static void serverPort(DynamicPropertyRegistry registry) throws IOException {
		server = LineServer.start();
		registry.add("line.port", server::port);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void connectAndUseTheDefaultRecovery() throws Exception {
		this.actuator = new ActuatorClient(this.port);
		if (!this.connections.isHaAware(this.client)) {
			this.connections.control("lineClient").attach();
		}
		this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"replace\",\"recovery\":\"reconnect\"}", OPERATOR);
		assertThat(this.client.send("PING")).isEqualTo("PONG");
	}

	@Test
	@DisplayName("H18: after a crash and restart the endpoint shows one more recovery and the cause type, "
			+ "and the metrics endpoint shows the same count")
	void endpointAndMetricsShowARecovery() throws Exception {
		Map<String, Object> before = this.actuator.get("/actuator/ha/lineClient").json();
		long succeeded = counter(before, "recoveriesSucceeded");
		crashAndRestart();
		assertThat(this.client.send("ECHO after")).isEqualTo("after");
		Reply after = this.actuator.get("/actuator/ha/lineClient");
		assertThat(after.status()).isEqualTo(200);
		assertThat(counter(after.json(), "recoveriesSucceeded")).isEqualTo(succeeded + 1);
		assertThat(after.<String>at("lastFailure.type")).isEqualTo(this.lastStaleError.get().getClass().getName());
		assertThat(after.<String>at("state")).isEqualTo("ATTACHED");
		assertThat(after.<String>at("kind")).isEqualTo("client");
		assertThat(after.<String>at("recoveryBean")).isEqualTo("reconnect");
		assertThat(after.<String>at("type")).isEqualTo(LineClient.class.getName());
		assertThat(after.<Object>at("lastRecovery.durationMillis")).isNotNull();
		List<Map<String, Object>> listed = this.actuator.get("/actuator/ha").at("connections");
		assertThat(listed).extracting((connection) -> connection.get("name")).contains("lineClient");
		Reply metric = this.actuator
			.get("/actuator/metrics/ha.recoveries?tag=connection:lineClient&tag=outcome:success");
		assertThat(metric.status()).isEqualTo(200);
		List<Map<String, Object>> measurements = metric.at("measurements");
		assertThat(((Number) measurements.get(0).get("value")).longValue()).isEqualTo(succeeded + 1);
	}

	@Test
	@DisplayName("H3, H4: an anonymous write gets 401, a user without the role 403, and the operator's "
			+ "replace makes the next recovery use the other bean")
	void onlyTheOperatorReplacesTheRecoveryBean() throws Exception {
		String replace = "{\"action\":\"replace\",\"recovery\":\"otherReconnect\"}";
		Reply anonymous = this.actuator.post("/actuator/ha/lineClient", replace);
		assertThat(anonymous.status()).isEqualTo(401);
		assertThat(anonymous.<String>at("message")).contains("authenticated");
		Reply viewer = this.actuator.post("/actuator/ha/lineClient", replace, "viewer:viewer-password");
		assertThat(viewer.status()).isEqualTo(403);
		assertThat(viewer.<String>at("message")).contains("HA_ADMIN", "management.endpoint.ha.roles");
		assertThat(this.actuator.get("/actuator/ha/lineClient").<String>at("recoveryBean")).isEqualTo("reconnect");
		Reply operator = this.actuator.post("/actuator/ha/lineClient", replace, OPERATOR);
		assertThat(operator.status()).isEqualTo(200);
		assertThat(operator.<String>at("recoveryBean")).isEqualTo("otherReconnect");
		int defaultCalls = this.reconnect.calls();
		int otherCalls = this.otherReconnect.calls();
		crashAndRestart();
		assertThat(this.client.send("ECHO replaced")).isEqualTo("replaced");
		assertThat(this.otherReconnect.calls()).isEqualTo(otherCalls + 1);
		assertThat(this.reconnect.calls()).isEqualTo(defaultCalls);
	}

	@Test
	@DisplayName("H5: detached through the endpoint, a crash reaches the caller; attached again, recovery works")
	void detachAndAttachThroughTheEndpoint() throws Exception {
		Reply detached = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"detach\"}", OPERATOR);
		assertThat(detached.status()).isEqualTo(200);
		assertThat(detached.<String>at("state")).isEqualTo("DETACHED");
		long succeeded = this.connections.find("lineClient").orElseThrow().recoveriesSucceeded();
		int calls = this.reconnect.calls();
		crashAndRestart();
		assertThatIOException().isThrownBy(() -> this.client.send("ECHO lost"));
		assertThat(this.reconnect.calls()).isEqualTo(calls);
		Reply attached = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"attach\"}", OPERATOR);
		assertThat(attached.status()).isEqualTo(200);
		assertThat(attached.<String>at("state")).isEqualTo("ATTACHED");
		assertThat(this.client.send("ECHO back")).isEqualTo("back");
		assertThat(this.reconnect.calls()).isEqualTo(calls + 1);
		assertThat(this.connections.find("lineClient").orElseThrow().recoveriesSucceeded()).isEqualTo(succeeded + 1);
	}

	@Test
	@DisplayName("H15, H17: limits, suspend, enable and reset through the endpoint")
	void limitsSuspendEnableAndReset() throws Exception {
		Reply limited = this.actuator.post("/actuator/ha/lineClient",
				"{\"action\":\"limit\",\"maxRecoveries\":7,\"maxConsecutiveFailures\":3}", OPERATOR);
		assertThat(limited.<Number>at("limits.maxRecoveries").longValue()).isEqualTo(7);
		assertThat(limited.<Number>at("limits.maxConsecutiveFailures").longValue()).isEqualTo(3);
		assertThat(
				this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"suspend\"}", OPERATOR).<String>at("state"))
			.isEqualTo("SUSPENDED");
		assertThat(
				this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"enable\"}", OPERATOR).<String>at("state"))
			.isEqualTo("ATTACHED");
		Reply reset = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"reset\"}", OPERATOR);
		assertThat(counter(reset.json(), "recoveriesSucceeded")).isZero();
		assertThat(this.connections.find("lineClient").orElseThrow().recoveries()).isZero();
		this.actuator.post("/actuator/ha/lineClient",
				"{\"action\":\"limit\",\"maxRecoveries\":-1,\"maxConsecutiveFailures\":-1}", OPERATOR);
	}

	@Test
	@DisplayName("An unknown connection gives 404, a bad action or an unknown bean 400, a conflict 409, each saying why")
	void badRequestsAreAnsweredWithTheReason() throws Exception {
		Reply unknownRead = this.actuator.get("/actuator/ha/nosuch");
		assertThat(unknownRead.status()).isEqualTo(404);
		assertThat(unknownRead.<String>at("message")).contains("'nosuch'", "lineClient");
		assertThat(this.actuator.post("/actuator/ha/nosuch", "{\"action\":\"detach\"}", OPERATOR).status())
			.isEqualTo(404);
		Reply badAction = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"explode\"}", OPERATOR);
		assertThat(badAction.status()).isEqualTo(400);
		assertThat(badAction.<String>at("message")).contains("unknown action 'explode'", "detach");
		Reply unknownBean = this.actuator.post("/actuator/ha/lineClient",
				"{\"action\":\"replace\",\"recovery\":\"nosuchBean\"}", OPERATOR);
		assertThat(unknownBean.status()).isEqualTo(400);
		assertThat(unknownBean.<String>at("message")).contains("'nosuchBean'", "reconnect", "otherReconnect");
		Reply notARecovery = this.actuator.post("/actuator/ha/lineClient",
				"{\"action\":\"replace\",\"recovery\":\"lastStaleError\"}", OPERATOR);
		assertThat(notARecovery.status()).isEqualTo(400);
		Reply badLimit = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"limit\",\"maxRecoveries\":-5}",
				OPERATOR);
		assertThat(badLimit.status()).isEqualTo(400);
		assertThat(badLimit.<String>at("message")).contains("-5");
		Reply conflict = this.actuator.post("/actuator/ha/lineClient", "{\"action\":\"attach\"}", OPERATOR);
		assertThat(conflict.status()).isEqualTo(409);
		assertThat(conflict.<String>at("message")).contains("already attached");
		assertThat(this.connections.isHaAware(this.client)).isTrue();
	}

	private void crashAndRestart() throws IOException {
		server.kill();
		server.restart();
	}

	@SuppressWarnings("unchecked")
	private static long counter(Map<String, Object> connection, String name) {
		return ((Number) ((Map<String, Object>) connection.get("counters")).get(name)).longValue();
	}

}
