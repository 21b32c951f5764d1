package io.hacover.sample;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The file server of the examples answers the requests an HA channel makes, and comes
 * back on the same port after a kill.
 */
class EmbeddedHttpFileServerTests {

	@TempDir
	Path root;

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private EmbeddedHttpFileServer server;

	@BeforeEach
	void start() throws IOException {
		Path served = Files.createDirectory(this.root.resolve("served"));
		Files.writeString(served.resolve("file.txt"), "0123456789");
		Files.writeString(this.root.resolve("secret.txt"), "not served");
		this.server = EmbeddedHttpFileServer.start(served, 0);
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	@Test
	void getAnswersTheWholeFile() throws Exception {
		HttpResponse<String> response = get("file.txt", null);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("0123456789");
	}

	@Test
	void rangeFromAnOffsetAnswersTheRestWithContentRange() throws Exception {
		HttpResponse<String> response = get("file.txt", "bytes=4-");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes 4-9/10");
		assertThat(response.body()).isEqualTo("456789");
	}

	@Test
	void rangePastTheEndAnswers416() throws Exception {
		HttpResponse<String> response = get("file.txt", "bytes=10-");
		assertThat(response.statusCode()).isEqualTo(416);
		assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes */10");
	}

	@Test
	void headAnswersTheSizeAndAFileNotServed404() throws Exception {
		HttpResponse<Void> head = this.client.send(HttpRequest.newBuilder(this.server.uri("file.txt"))
			.method("HEAD", HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.discarding());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(10);
		assertThat(get("missing.txt", null).statusCode()).isEqualTo(404);
		assertThat(get("../secret.txt", null).statusCode()).isEqualTo(404);
	}

	@Test
	void killRefusesConnectsAndRestartServesOnTheSamePort() throws Exception {
		URI uri = this.server.uri("file.txt");
		this.server.kill();
		HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		assertThatExceptionOfType(ConnectException.class)
			.isThrownBy(() -> fresh.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
		this.server.restart();
		assertThat(this.server.uri("file.txt")).isEqualTo(uri);
		assertThat(get("file.txt", "bytes=8-").body()).isEqualTo("89");
	}

	private HttpResponse<String> get(String name, String range) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.server.uri(name));
		if (range != null) {
			request.header("Range", range);
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
	}

}
