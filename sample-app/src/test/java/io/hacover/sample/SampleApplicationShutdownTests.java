package io.hacover.sample;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Outside the demo profile the live demo is read-only and calm; and stopping the
 * application stops its embedded servers and deletes what they kept on disk.
 */
class SampleApplicationShutdownTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void outsideTheDemoProfileTheDemoIsReadOnlyAndStoppingItStopsTheServersAndDeletesTheirData() throws Exception {
		FreePorts ports = new FreePorts();
		List<String> arguments = new ArrayList<>(List.of(ports.asArguments()));
		arguments.add("--server.port=0");
		Path data;
		Path files;
		Path pair;
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
			.profiles("quiet")
			.run(arguments.toArray(String[]::new))) {
			data = context.getBean(EmbeddedDatabaseServer.class).directory();
			files = context.getBean(EmbeddedHttpFileServer.class).directory();
			pair = context.getBean(EmbeddedDatabasePair.class).directory();
			assertThat(data).isDirectory();
			assertThat(files).isDirectory();
			assertThat(pair).isDirectory();
			for (int port : ports.all()) {
				connect(port).close();
			}
			String base = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
			String demo = this.http
				.send(HttpRequest.newBuilder(URI.create(base + "/api/demo")).build(),
						HttpResponse.BodyHandlers.ofString())
				.body();
			assertThat((Boolean) JsonPath.read(demo, "$.writable")).isFalse();
			assertThat((Boolean) JsonPath.read(demo, "$.chaos.enabled")).isFalse();
			HttpResponse<String> kill = this.http.send(HttpRequest.newBuilder(URI.create(base + "/api/chaos/line"))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(kill.statusCode()).isEqualTo(404);
		}
		assertThat(data).doesNotExist();
		assertThat(files).doesNotExist();
		assertThat(pair).doesNotExist();
		for (int port : ports.all()) {
			assertThatExceptionOfType(ConnectException.class).as("connect to port %d", port)
				.isThrownBy(() -> connect(port));
		}
		for (Path directory : List.of(data, pair)) {
			assertThat(ProcessHandle.allProcesses()
				.filter((process) -> process.info().commandLine().orElse("").contains(directory.toString())))
				.as("processes of the databases in %s", directory)
				.isEmpty();
		}
	}

	private static Socket connect(int port) throws IOException {
		return new Socket(InetAddress.getLoopbackAddress(), port);
	}

}
