package io.hacover.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Proves with a real loopback server and the JDK {@link HttpClient} that
 * {@link HttpFileServer} behaves as documented.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpFileServerSelfTests {

	private static final int SMALL_SIZE = 1000;

	private static final int LARGE_SIZE = 32 * 1024 * 1024;

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final int CLIENTS = 16;

	@TempDir
	Path directory;

	private Path root;

	private byte[] small;

	private final HttpClient client = newClient();

	private final ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);

	@BeforeEach
	void createFiles() throws IOException {
		this.root = Files.createDirectory(this.directory.resolve("root"));
		this.small = content(SMALL_SIZE);
		Files.write(this.root.resolve("small.bin"), this.small);
		Files.writeString(this.directory.resolve("secret.txt"), "outside the root");
	}

	@AfterEach
	void stopExecutor() throws InterruptedException {
		this.executor.shutdownNow();
		this.executor.awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void getWithoutRangeReturnsTheWholeFile() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			HttpResponse<byte[]> response = send(get(server, "small.bin"));
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Length")).hasValue(Integer.toString(SMALL_SIZE));
			assertThat(response.headers().firstValue("Accept-Ranges")).hasValue("bytes");
			assertThat(response.headers().firstValue("Content-Range")).isEmpty();
			assertThat(response.body()).isEqualTo(this.small);
			assertThat(server.requests()).isEqualTo(1);
			assertThat(server.rangeRequests()).isZero();
			assertThat(server.connectionsAccepted()).isEqualTo(1);
			assertThat(server.uri("small.bin")).hasToString("http://127.0.0.1:" + server.port() + "/small.bin");
			assertThat(server.uri("/small.bin")).isEqualTo(server.uri("small.bin"));
			assertThat(server).hasToString("HttpFileServer[127.0.0.1:" + server.port() + ", running]");
		}
	}

	@Test
	void rangeFromAnOffsetReturnsPartialContentWithContentRange() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			HttpResponse<byte[]> open = send(ranged(server, "small.bin", "bytes=10-"));
			assertThat(open.statusCode()).isEqualTo(206);
			assertThat(open.headers().firstValue("Content-Range")).hasValue("bytes 10-999/1000");
			assertThat(open.headers().firstValue("Content-Length")).hasValue("990");
			assertThat(open.body()).isEqualTo(Arrays.copyOfRange(this.small, 10, SMALL_SIZE));
			HttpResponse<byte[]> closed = send(ranged(server, "small.bin", "bytes=10-19"));
			assertThat(closed.statusCode()).isEqualTo(206);
			assertThat(closed.headers().firstValue("Content-Range")).hasValue("bytes 10-19/1000");
			assertThat(closed.body()).isEqualTo(Arrays.copyOfRange(this.small, 10, 20));
			HttpResponse<byte[]> clamped = send(ranged(server, "small.bin", "bytes=990-5000"));
			assertThat(clamped.statusCode()).isEqualTo(206);
			assertThat(clamped.headers().firstValue("Content-Range")).hasValue("bytes 990-999/1000");
			assertThat(clamped.body()).isEqualTo(Arrays.copyOfRange(this.small, 990, SMALL_SIZE));
			HttpResponse<byte[]> suffix = send(ranged(server, "small.bin", "bytes=-5"));
			assertThat(suffix.statusCode()).isEqualTo(206);
			assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(this.small, 995, SMALL_SIZE));
			assertThat(server.requests()).isEqualTo(4);
			assertThat(server.rangeRequests()).isEqualTo(4);
		}
	}

	@Test
	void rangeStartingAtOrPastTheEndIsNotSatisfiable() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			for (String range : List.of("bytes=1000-", "bytes=1000-1005", "bytes=5000-")) {
				HttpResponse<byte[]> response = send(ranged(server, "small.bin", range));
				assertThat(response.statusCode()).as(range).isEqualTo(416);
				assertThat(response.headers().firstValue("Content-Range")).as(range).hasValue("bytes */1000");
				assertThat(response.body()).as(range).isEmpty();
			}
			assertThat(server.rangeRequests()).isEqualTo(3);
		}
	}

	@Test
	void malformedRangeIsIgnored() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			for (String range : List.of("bytes=20-10", "bytes=0-1,5-6", "items=0-1", "bytes=x-")) {
				HttpResponse<byte[]> response = send(ranged(server, "small.bin", range));
				assertThat(response.statusCode()).as(range).isEqualTo(200);
				assertThat(response.body()).as(range).isEqualTo(this.small);
			}
		}
	}

	@Test
	void headReturnsTheSizeWithoutABody() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			HttpRequest head = HttpRequest.newBuilder(server.uri("small.bin"))
				.method("HEAD", BodyPublishers.noBody())
				.timeout(TIMEOUT)
				.build();
			HttpResponse<byte[]> response = send(head);
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Length")).hasValue("1000");
			assertThat(response.headers().firstValue("Accept-Ranges")).hasValue("bytes");
			assertThat(response.body()).isEmpty();
			assertThat(send(get(server, "small.bin")).body()).isEqualTo(this.small);
			assertThat(server.requests()).isEqualTo(2);
			assertThat(server.connectionsAccepted()).isEqualTo(1);
		}
	}

	@Test
	void missingFileIsNotFoundAndOtherMethodsAreNotAllowed() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			assertThat(send(get(server, "missing.bin")).statusCode()).isEqualTo(404);
			assertThat(send(ranged(server, "missing.bin", "bytes=0-")).statusCode()).isEqualTo(404);
			assertThat(send(get(server, "")).statusCode()).isEqualTo(404);
			HttpRequest post = HttpRequest.newBuilder(server.uri("small.bin"))
				.POST(BodyPublishers.ofString("data"))
				.timeout(TIMEOUT)
				.build();
			HttpResponse<byte[]> refused = send(post);
			assertThat(refused.statusCode()).isEqualTo(405);
			assertThat(refused.headers().firstValue("Allow")).hasValue("GET, HEAD");
			assertThat(server.requests()).isEqualTo(4);
		}
	}

	@Test
	void filesOutsideTheRootAreNotFoundAndGarbageIsABadRequest() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			assertThat(rawExchange(server, "GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
				.startsWith("HTTP/1.1 404 ");
			assertThat(rawExchange(server, "GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
				.startsWith("HTTP/1.1 404 ");
			assertThat(rawExchange(server, "HELLO\r\n\r\n")).startsWith("HTTP/1.1 400 ");
			assertThat(rawExchange(server, "GET /small.bin HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 ")
				.contains("Connection: close");
		}
	}

	@Test
	void ignoreRangesAnswersRangedGetsWithTheWholeFile() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			server.ignoreRanges(true);
			HttpResponse<byte[]> response = send(ranged(server, "small.bin", "bytes=10-"));
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Range")).isEmpty();
			assertThat(response.headers().firstValue("Accept-Ranges")).hasValue("none");
			assertThat(response.body()).isEqualTo(this.small);
			assertThat(send(ranged(server, "small.bin", "bytes=5000-")).statusCode()).isEqualTo(200);
			assertThat(server.rangeRequests()).isEqualTo(2);
			server.ignoreRanges(false);
			assertThat(send(ranged(server, "small.bin", "bytes=10-")).statusCode()).isEqualTo(206);
		}
	}

	@Test
	void answer416RefusesEvenValidRanges() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			server.answer416(true);
			HttpResponse<byte[]> response = send(ranged(server, "small.bin", "bytes=10-19"));
			assertThat(response.statusCode()).isEqualTo(416);
			assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes */1000");
			assertThat(send(ranged(server, "small.bin", "bytes=0-")).statusCode()).isEqualTo(416);
			assertThat(send(get(server, "small.bin")).body()).isEqualTo(this.small);
			server.answer416(false);
			assertThat(send(ranged(server, "small.bin", "bytes=10-19")).statusCode()).isEqualTo(206);
		}
	}

	@Test
	void throttlePacesTheBody() throws Exception {
		Files.write(this.root.resolve("paced.bin"), content(100_000));
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			assertThatIllegalArgumentException().isThrownBy(() -> server.throttle(-1));
			server.throttle(250_000);
			long start = System.nanoTime();
			HttpResponse<byte[]> response = send(get(server, "paced.bin"));
			long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			assertThat(response.body()).hasSize(100_000);
			assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
			server.throttle(0);
			assertThat(send(get(server, "paced.bin")).body()).hasSize(100_000);
		}
	}

	@Test
	void killDuringALargeBodyMakesTheClientsBodyStreamFail() throws Exception {
		byte[] large = content(LARGE_SIZE);
		Files.write(this.root.resolve("large.bin"), large);
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			HttpResponse<InputStream> response = this.client.send(get(server, "large.bin"),
					BodyHandlers.ofInputStream());
			assertThat(response.statusCode()).isEqualTo(200);
			AtomicLong read = new AtomicLong();
			try (InputStream body = response.body()) {
				byte[] head = body.readNBytes(1024 * 1024);
				assertThat(head).isEqualTo(Arrays.copyOf(large, head.length));
				read.set(head.length);
				server.kill();
				assertThat(server.running()).isFalse();
				assertThatExceptionOfType(IOException.class).isThrownBy(() -> drain(body, read));
			}
			assertThat(read.get()).isLessThan(LARGE_SIZE);
			assertThat(server.requests()).isEqualTo(1);
			assertThat(server).hasToString("HttpFileServer[127.0.0.1:" + server.port() + ", killed]");
		}
	}

	@Test
	void killRefusesConnectionsAndRestartServesAgainOnTheSamePort() throws Exception {
		HttpFileServer server = HttpFileServer.start(this.root);
		try (server) {
			int port = server.port();
			assertThat(send(get(server, "small.bin")).statusCode()).isEqualTo(200);
			assertThatIllegalStateException().isThrownBy(server::restart);
			server.kill();
			server.kill();
			assertThat(server.running()).isFalse();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> connect(port).close());
			server.restart();
			assertThat(server.running()).isTrue();
			assertThat(server.port()).isEqualTo(port);
			HttpResponse<byte[]> response = newClient().send(ranged(server, "small.bin", "bytes=10-"),
					BodyHandlers.ofByteArray());
			assertThat(response.statusCode()).isEqualTo(206);
			assertThat(response.body()).isEqualTo(Arrays.copyOfRange(this.small, 10, SMALL_SIZE));
			assertThat(server.requests()).isEqualTo(2);
			assertThat(server.connectionsAccepted()).isEqualTo(2);
		}
		assertThat(server.running()).isFalse();
		assertThatIllegalStateException().isThrownBy(server::restart);
	}

	@Test
	void concurrentClientsEachGetTheirOwnRange() throws Exception {
		try (HttpFileServer server = HttpFileServer.start(this.root)) {
			List<Future<byte[]>> results = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				int first = i * 10;
				Callable<byte[]> task = () -> {
					HttpResponse<byte[]> response = newClient().send(
							ranged(server, "small.bin", "bytes=" + first + "-" + (first + 99)),
							BodyHandlers.ofByteArray());
					assertThat(response.statusCode()).isEqualTo(206);
					return response.body();
				};
				results.add(this.executor.submit(task));
			}
			for (int i = 0; i < CLIENTS; i++) {
				byte[] expected = Arrays.copyOfRange(this.small, i * 10, i * 10 + 100);
				assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(expected);
			}
			assertThat(server.requests()).isEqualTo(CLIENTS);
			assertThat(server.rangeRequests()).isEqualTo(CLIENTS);
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(server.connectionsAccepted()).isEqualTo(CLIENTS));
		}
	}

	private HttpRequest get(HttpFileServer server, String path) {
		return HttpRequest.newBuilder(server.uri(path)).timeout(TIMEOUT).build();
	}

	private HttpRequest ranged(HttpFileServer server, String path, String range) {
		return HttpRequest.newBuilder(server.uri(path)).header("Range", range).timeout(TIMEOUT).build();
	}

	private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
		return this.client.send(request, BodyHandlers.ofByteArray());
	}

	private static HttpClient newClient() {
		return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
	}

	private static void drain(InputStream body, AtomicLong read) throws IOException {
		byte[] buffer = new byte[64 * 1024];
		int n;
		while ((n = body.read(buffer)) >= 0) {
			read.addAndGet(n);
		}
	}

	private static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
			return socket;
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	private static String rawExchange(HttpFileServer server, String request) throws IOException {
		try (Socket socket = connect(server.port())) {
			socket.setSoTimeout((int) TIMEOUT.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	private static byte[] content(int size) {
		byte[] bytes = new byte[size];
		for (int i = 0; i < size; i++) {
			bytes[i] = (byte) (i * 31 + i / 251);
		}
		return bytes;
	}

}
