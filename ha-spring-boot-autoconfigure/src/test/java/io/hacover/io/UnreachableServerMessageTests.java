package io.hacover.io;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.HttpFileServer;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * What a person reads when a server cannot be reached: every open, every stale error
 * handed to a recovery function ({@code context.cause()}, H9) and every failed attempt
 * names the connection and what it could not reach (URI, host and port, or path), with
 * credentials masked, and keeps a stale type, so that recovery behaves as before (H6, H8,
 * H9, H12, H30).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnreachableServerMessageTests {

	private static final RecoveryPolicy THREE_ATTEMPTS = RecoveryPolicy.exponential(Duration.ofMillis(1), 2.0,
			Duration.ofMillis(5), 3, Duration.ofSeconds(10), Duration.ZERO);

	@TempDir
	Path root;

	/**
	 * Without readiness probes, so that every attempt reaches the server that is down
	 * (with probes, the recovery waits for the port instead of attempting).
	 */
	private final HaConnections connections = HaConnections.create(
			ConnectionSettings.defaults().withPolicy(THREE_ATTEMPTS), StaleConnectionClassifier.defaults(),
			Duration.ZERO);

	private final HaChannels channels = new HaChannels(this.connections);

	private final HaSockets sockets = new HaSockets(this.connections);

	private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

	private final List<Throwable> attemptFailures = new CopyOnWriteArrayList<>();

	private final List<Throwable> causes = new CopyOnWriteArrayList<>();

	UnreachableServerMessageTests() {
		this.connections.addListener((event) -> {
			if (event.kind() == HaEvent.Kind.ATTEMPT_FAILED && event.cause() != null) {
				this.attemptFailures.add(event.cause());
			}
		});
	}

	@AfterEach
	void closeEverything() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	@DisplayName("H6, H8: opening an http: file whose server is down throws a stale ConnectException that names the connection and the URI")
	void openOfAnHttpFileOnADownServerNamesConnectionAndUri() throws IOException {
		HttpFileServer server = downHttpServer();
		URI uri = server.uri("data.bin");
		Throwable failure = catchThrowable(() -> this.channels.open("remote", uri));
		assertThat(failure).isInstanceOf(ConnectException.class)
			.hasMessageContaining("connection 'remote'")
			.hasMessageContaining("http://127.0.0.1:" + server.port() + "/data.bin");
		assertThat(StaleConnectionClassifier.defaults().isStale(failure)).isTrue();
		assertThat(failure.getCause()).as("the JDK's own exception, kept as the cause").isNotNull();
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H6: the message of a failed open masks the credentials of the URI")
	void openOfAnHttpFileMasksCredentials() throws IOException {
		HttpFileServer server = downHttpServer();
		URI uri = URI.create("http://alice:s3cret@127.0.0.1:" + server.port() + "/data.bin?token=t0ken");
		Throwable failure = catchThrowable(() -> this.channels.open("remote", uri));
		assertThat(failure).isInstanceOf(ConnectException.class)
			.hasMessageContaining("connection 'remote'")
			.hasMessageContaining("127.0.0.1:" + server.port() + "/data.bin")
			.hasMessageNotContaining("s3cret")
			.hasMessageNotContaining("t0ken");
	}

	@Test
	@DisplayName("H9, H12: the stale error handed to the recovery of an http: file, and each failed attempt, name the connection and the URI")
	void recoveryOfAnHttpFileIsToldWhereItFailed() throws IOException {
		ChannelFixtures.write(this.root, "data.bin", ChannelFixtures.randomBytes(1024, 1));
		HttpFileServer server = HttpFileServer.start(this.root);
		this.closeables.add(server);
		SeekableByteChannel channel = this.channels.open("remote", server.uri("data.bin"),
				(attachment) -> attachment.recovery((context) -> {
					this.causes.add(context.cause());
					return HaChannels.reopenAtPosition(context);
				}));
		this.closeables.add(channel);
		server.kill();
		Throwable failure = catchThrowable(() -> channel.read(ByteBuffer.allocate(16)));
		String where = "http://127.0.0.1:" + server.port() + "/data.bin";
		assertThat(failure).hasMessageContaining("connection 'remote'").hasMessageContaining(where);
		assertThat(StaleConnectionClassifier.defaults().isStale(failure)).isTrue();
		assertThat(this.causes).hasSize(3).allSatisfy((cause) -> assertThat(cause).isSameAs(failure));
		assertThat(this.attemptFailures).hasSize(3)
			.allSatisfy((attempt) -> assertThat(attempt).isInstanceOf(ConnectException.class)
				.hasMessageContaining("connection 'remote'")
				.hasMessageContaining(where));
	}

	@Test
	@DisplayName("H6: opening a missing file names the connection and the path, and stays a NoSuchFileException")
	void openOfAMissingFileNamesConnectionAndPath() {
		Path missing = this.root.resolve("missing.log");
		Throwable failure = catchThrowable(() -> this.channels.open("log", missing, StandardOpenOption.READ));
		assertThat(failure).isInstanceOf(NoSuchFileException.class)
			.hasMessageContaining("connection 'log'")
			.hasMessageContaining(missing.toString());
		assertThat(((NoSuchFileException) failure).getFile()).isEqualTo(missing.toString());
	}

	@Test
	@DisplayName("H6: connecting a socket to a server that is down names the connection and host:port")
	void connectToADownServerNamesConnectionAndEndpoint() throws IOException {
		InetSocketAddress endpoint = downLineServer();
		Throwable failure = catchThrowable(() -> this.sockets.connect("feed", List.of(endpoint)));
		assertThat(failure).isInstanceOf(ConnectException.class)
			.hasMessageContaining("connection 'feed'")
			.hasMessageContaining("127.0.0.1:" + endpoint.getPort());
	}

	@Test
	@DisplayName("H9, H12: the stale error handed to the recovery of a socket, and each failed attempt, name the connection and host:port")
	void recoveryOfASocketIsToldWhereItFailed() throws IOException {
		LineServer server = LineServer.start();
		this.closeables.add(server);
		InetSocketAddress endpoint = new InetSocketAddress("127.0.0.1", server.port());
		List<SocketConnection> plain = new CopyOnWriteArrayList<>();
		SocketConnection connection = this.sockets.connect("feed", List.of(endpoint),
				SocketOptions.defaults().withHandshake(plain::add).withRecovery((context) -> {
					this.causes.add(context.cause());
					return HaSockets.reconnect(context, List.of(endpoint));
				}));
		this.closeables.add(connection);
		assertThat(LineCalls.call(connection, "ECHO hello")).isEqualTo("hello");
		server.kill();
		await().atMost(Duration.ofSeconds(5)).until(() -> LineCalls.writeFails(plain.get(0)));
		Throwable failure = catchThrowable(() -> LineCalls.call(connection, "ECHO again"));
		assertThat(failure).isInstanceOf(SocketException.class)
			.hasMessageContaining("connection 'feed'")
			.hasMessageContaining("127.0.0.1:" + server.port());
		assertThat(this.causes).hasSize(3).allSatisfy((cause) -> assertThat(cause).isSameAs(failure));
		assertThat(this.attemptFailures).hasSize(3)
			.allSatisfy((attempt) -> assertThat(attempt).isInstanceOf(ConnectException.class)
				.hasMessageContaining("connection 'feed'")
				.hasMessageContaining("127.0.0.1:" + server.port()));
	}

	private HttpFileServer downHttpServer() throws IOException {
		HttpFileServer server = HttpFileServer.start(this.root);
		this.closeables.add(server);
		server.kill();
		return server;
	}

	private InetSocketAddress downLineServer() throws IOException {
		LineServer server = LineServer.start();
		this.closeables.add(server);
		server.kill();
		return new InetSocketAddress("127.0.0.1", server.port());
	}

}
