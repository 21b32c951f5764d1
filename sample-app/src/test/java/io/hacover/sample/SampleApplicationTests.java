package io.hacover.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live demo, as the page sees it over HTTP: with the chaos killing a server every
 * second, each kind of connection is recovered, and no workload sees an error that
 * hacover should have kept from it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.chaos.interval=1s", "sample.chaos.downtime=200ms" })
@DirtiesContext
class SampleApplicationTests {

	private static final FreePorts ports = new FreePorts();

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		ports.register(registry);
	}

	@Test
	void everyKindOfConnectionRecoversAndNoWorkloadSeesAnUnexpectedError() throws Exception {
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			String ha = get("/actuator/ha");
			for (String kind : List.of("jdbc", "client", "http")) {
				List<Integer> recoveries = JsonPath.read(ha,
						"$.connections[?(@.kind == '" + kind + "')].counters.recoveriesSucceeded");
				assertThat(recoveries).as("recoveries of the %s connection", kind).anySatisfy((recovered) -> {
					assertThat(recovered).isPositive();
				});
			}
		});
		List<Map<String, Object>> workloads = JsonPath.read(get("/api/demo"), "$.workloads");
		assertThat(workloads).extracting((workload) -> workload.get("name"))
			.containsExactlyInAnyOrder("orders", "ledger", "greeting", "files");
		assertThat(workloads).allSatisfy((workload) -> {
			assertThat((Integer) workload.get("calls")).as("calls of %s", workload.get("name")).isPositive();
			assertThat(workload.get("unexpectedErrors")).as("unexpected errors of %s", workload.get("name"))
				.isEqualTo(0);
		});
	}

	@Test
	void demoTellsTheWorkloadsConnectionsRecoveryBeansAndChaos() throws Exception {
		String demo = get("/api/demo");
		assertThat((Boolean) JsonPath.read(demo, "$.writable")).isTrue();
		assertThat(JsonPath.<List<String>>read(demo, "$.recoveryBeans")).containsExactlyInAnyOrder("reconnect",
				"reconnectAndLog", "resumeReading");
		assertThat(JsonPath.<Map<String, String>>read(demo, "$.recoveryBeanTypes"))
			.containsEntry("reconnect", GreetingClient.class.getName())
			.containsEntry("resumeReading", "java.nio.channels.SeekableByteChannel");
		assertThat(JsonPath.<Map<String, Object>>read(demo, "$.chaos")).containsEntry("enabled", true)
			.containsEntry("interval", "PT1S")
			.containsEntry("servers", List.of("postgres", "line", "files", "failover"));
		List<String> connections = JsonPath.read(get("/actuator/ha"), "$.connections[*].name");
		assertThat(JsonPath.<List<String>>read(demo, "$.workloads[*].connection"))
			.containsExactlyInAnyOrder("orders-1", "ledger-1", "greeting", "files")
			.allSatisfy((connection) -> assertThat(connections).contains(connection));
	}

	@Test
	void killingAServerOnDemandAnswers202AndItsConnectionRecovers() throws Exception {
		int recovered = greetingRecoveries();
		HttpResponse<String> kill = post("/api/chaos/line");
		assertThat(kill.statusCode()).isEqualTo(202);
		assertThat((String) JsonPath.read(kill.body(), "$.server")).isEqualTo("line");
		await().atMost(Duration.ofSeconds(30)).until(() -> greetingRecoveries() > recovered);
		HttpResponse<String> unknown = post("/api/chaos/mainframe");
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat((String) JsonPath.read(unknown.body(), "$.message")).contains("mainframe", "postgres");
	}

	private int greetingRecoveries() throws Exception {
		return JsonPath.read(get("/actuator/ha/greeting"), "$.counters.recoveriesSucceeded");
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri(path)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
		return response.body();
	}

	private HttpResponse<String> post(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

}
