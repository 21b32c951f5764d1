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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failover scenario of the live demo (J9), as the page sees it over HTTP, with the
 * chaos off so that only the test fails the pair over: the {@code failover} button
 * crashes the primary and promotes its synchronous standby, the {@code ledger} workload
 * goes on on the new primary, and the crashed node comes back as the standby, ready for
 * the next failover.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.chaos.enabled=false", "sample.chaos.downtime=200ms" })
@DirtiesContext
class FailoverScenarioTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static final FreePorts ports = new FreePorts();

	private final HttpClient http = HttpClient.newHttpClient();

	@Autowired
	private EmbeddedDatabasePair pair;

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		ports.register(registry);
	}

	@Test
	@DisplayName("J9, J7, J5: two failovers in a row from the page's button: each time the ledger connection goes on "
			+ "on the promoted standby, shown as primary on the next timeline (2, then 3), the ledger workload's "
			+ "transactions keep being acknowledged, every one stored once, with no unexpected error")
	void ledgerGoesOnThroughTwoFailovers() throws Exception {
		String connection = ledgerConnection();
		assertThat(connection).startsWith("ledger-");
		await().atMost(TIMEOUT).untilAsserted(() -> {
			assertServer(connection, ports.failoverA(), 1);
			assertThat(ledger().succeeded()).isPositive();
		});
		assertThat(this.pair.standbyReady()).isTrue();
		failOver(connection, ports.failoverB(), 2);
		// The crashed node comes back as the standby of the new primary.
		await().atMost(TIMEOUT).until(() -> chaosDown().isEmpty() && this.pair.standbyReady());
		failOver(connection, ports.failoverA(), 3);
		await().atMost(TIMEOUT).until(() -> chaosDown().isEmpty() && this.pair.standbyReady());
		assertThat(this.pair.primaryPort()).isEqualTo(ports.failoverA());
		assertThat(ledger().unexpectedErrors()).isZero();
		List<Map<String, Object>> workloads = JsonPath.read(get("/api/demo"), "$.workloads");
		assertThat(workloads).allSatisfy((workload) -> assertThat(workload.get("unexpectedErrors"))
			.as("unexpected errors of %s", workload.get("name"))
			.isEqualTo(0));
	}

	@Test
	@DisplayName("J9: /actuator/ha shows the server of the ledger connection: host, port, role and timeline, and no "
			+ "refused server while no old primary came back")
	void endpointShowsTheServerOfTheLedgerConnection() throws Exception {
		String connection = ledgerConnection();
		await().atMost(TIMEOUT).untilAsserted(() -> {
			Map<String, Object> server = server(connection);
			assertThat(server).containsEntry("host", "localhost")
				.containsEntry("port", this.pair.primaryPort())
				.containsEntry("role", "primary")
				.containsKey("timeline")
				.doesNotContainKey("lastRefused");
		});
		assertThat(JsonPath.<List<String>>read(get("/api/demo"), "$.chaos.servers")).contains("failover");
	}

	private void failOver(String connection, int promotedPort, int timeline) throws Exception {
		long recoveries = recoveries(connection);
		HttpResponse<String> failover = post("/api/chaos/failover");
		assertThat(failover.statusCode()).isEqualTo(202);
		assertThat(this.pair.primaryPort()).as("the primary once the failover is done").isEqualTo(promotedPort);
		await().atMost(TIMEOUT).untilAsserted(() -> {
			assertServer(connection, promotedPort, timeline);
			assertThat(recoveries(connection)).isGreaterThan(recoveries);
		});
		long succeeded = ledger().succeeded();
		await().atMost(TIMEOUT).untilAsserted(() -> {
			Ledger ledger = ledger();
			assertThat(ledger.succeeded()).as("ledger transactions acknowledged on timeline %d", timeline)
				.isGreaterThan(succeeded + 10);
			assertThat(ledger.unexpectedErrors()).as("unexpected errors of the ledger workload").isZero();
		});
	}

	private void assertServer(String connection, int port, int timeline) throws Exception {
		Map<String, Object> server = server(connection);
		assertThat(server).as("server of %s", connection)
			.containsEntry("host", "localhost")
			.containsEntry("port", port)
			.containsEntry("role", "primary")
			.containsEntry("timeline", timeline);
	}

	private Map<String, Object> server(String connection) throws Exception {
		List<Map<String, Object>> servers = JsonPath.read(get("/actuator/ha"),
				"$.connections[?(@.name == '" + connection + "')].server");
		assertThat(servers).as("server of %s", connection).hasSize(1).doesNotContainNull();
		return servers.get(0);
	}

	private long recoveries(String connection) throws Exception {
		return ((Number) JsonPath.read(get("/actuator/ha/" + connection), "$.counters.recoveriesSucceeded"))
			.longValue();
	}

	private String ledgerConnection() throws Exception {
		List<String> connections = JsonPath.read(get("/api/demo"), "$.workloads[?(@.name == 'ledger')].connection");
		assertThat(connections).hasSize(1);
		return connections.get(0);
	}

	private Ledger ledger() throws Exception {
		List<Map<String, Object>> ledgers = JsonPath.read(get("/api/demo"), "$.workloads[?(@.name == 'ledger')]");
		assertThat(ledgers).hasSize(1);
		Map<String, Object> ledger = ledgers.get(0);
		long calls = ((Number) ledger.get("calls")).longValue();
		long errors = ((Number) ledger.get("errors")).longValue();
		return new Ledger(calls - errors, ((Number) ledger.get("unexpectedErrors")).longValue());
	}

	private List<String> chaosDown() throws Exception {
		return JsonPath.read(get("/api/demo"), "$.chaos.down");
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

	/**
	 * The ledger workload's counters.
	 *
	 * @param succeeded its calls that ended normally: transactions acknowledged and
	 * checked
	 * @param unexpectedErrors its calls that failed unexpectedly
	 */
	private record Ledger(long succeeded, long unexpectedErrors) {

	}

}
