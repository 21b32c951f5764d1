package io.hacover.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.test.util.TestSocketUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live demo processed ahead of time: the build runs {@code spring-boot:process-aot}
 * on the application before the tests (see the sample's {@code pom.xml}), and this test
 * starts it in a JVM of its own with {@code -Dspring.aot.enabled=true}, so that the
 * context comes from the generated code, the {@code @HaAware} client bean and the data
 * sources declared in {@code application.yml} included. With the chaos killing a server
 * every second, each kind of connection recovers (H10) and no workload sees an error that
 * hacover should have kept from it.
 */
class SampleApplicationAotTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void aheadOfTimeProcessedDemoRunsAndEveryKindOfConnectionRecovers() throws Exception {
		FreePorts ports = new FreePorts();
		int port = TestSocketUtils.findAvailableTcpPort();
		Path log = Files.createDirectories(Path.of("target", "aot")).resolve("sample-app.log");
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dspring.aot.enabled=true",
						"-cp", System.getProperty("java.class.path"), SampleApplication.class.getName(),
						"--server.port=" + port, "--sample.chaos.interval=1s", "--sample.chaos.downtime=200ms"));
		command.addAll(List.of(ports.asArguments()));
		Process application = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		try {
			String base = "http://localhost:" + port;
			await().atMost(Duration.ofSeconds(120))
				.ignoreExceptions()
				.until(() -> get(base + "/actuator/health").statusCode() == 200);
			assertThat(Files.readString(log)).contains("Starting AOT-processed SampleApplication");
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
				String ha = get(base + "/actuator/ha").body();
				for (String kind : List.of("jdbc", "client", "http")) {
					List<Integer> recoveries = JsonPath.read(ha,
							"$.connections[?(@.kind == '" + kind + "')].counters.recoveriesSucceeded");
					assertThat(recoveries).as("recoveries of the %s connections", kind)
						.anySatisfy((recovered) -> assertThat(recovered).isPositive());
				}
			});
			List<Map<String, Object>> workloads = JsonPath.read(get(base + "/api/demo").body(), "$.workloads");
			assertThat(workloads).extracting((workload) -> workload.get("name"))
				.containsExactlyInAnyOrder("orders", "ledger", "greeting", "files");
			assertThat(workloads).allSatisfy((workload) -> {
				assertThat((Integer) workload.get("calls")).as("calls of %s", workload.get("name")).isPositive();
				assertThat(workload.get("unexpectedErrors")).as("unexpected errors of %s", workload.get("name"))
					.isEqualTo(0);
			});
		}
		finally {
			application.destroy();
			if (!application.waitFor(60, TimeUnit.SECONDS)) {
				application.descendants().forEach(ProcessHandle::destroyForcibly);
				application.destroyForcibly();
			}
		}
		assertThat(application.exitValue()).as("exit status after SIGTERM; log in %s", log).isIn(0, 143);
	}

	private HttpResponse<String> get(String uri) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
	}

}
