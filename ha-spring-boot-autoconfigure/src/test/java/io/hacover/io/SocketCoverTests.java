package io.hacover.io;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * Tests of the socket cover against real line servers: reconnect, fail-over, handshake,
 * black-holed peers and endpoints that never answer, and bad input (H6, H8, H10, H14,
 * H26, H27, H35).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketCoverTests {

	private static final RecoveryPolicy FAST = RecoveryPolicy.exponential(Duration.ofMillis(10), 2.0,
			Duration.ofMillis(50), 5, Duration.ofSeconds(5), Duration.ZERO);

	private final HaConnections connections = HaConnections.create(ConnectionSettings.defaults().withPolicy(FAST),
			StaleConnectionClassifier.defaults());

	private final HaSockets sockets = new HaSockets(this.connections);

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<SocketConnection> plainSockets = new CopyOnWriteArrayList<>();

	private final SocketOptions recordingPlainSockets = SocketOptions.defaults().withHandshake(this.plainSockets::add);

	@AfterEach
	void closeEverything() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	@DisplayName("H6: a socket connected through the library is HA-aware and a call goes through")
	void callGoesThroughAConnectedSocket() throws IOException {
		LineServer server = server();
		SocketConnection connection = connect(List.of(endpointOf(server)));
		assertThat(call(connection, "ECHO hello")).isEqualTo("hello");
		assertThat(connection.endpoint()).isEqualTo(endpointOf(server));
		assertThat(this.connections.isHaAware(connection)).isTrue();
		assertThat(info("orders").recoveries()).isZero();
	}

	@Test
	@DisplayName("H10, H14: after the server is killed and restarted, the next call succeeds on a reconnected "
			+ "socket, its write re-issued once and one recovery counted")
	void nextCallSucceedsAfterTheServerRestarts() throws IOException {
		LineServer server = server();
		SocketConnection connection = connect(List.of(endpointOf(server)), this.recordingPlainSockets);
		assertThat(call(connection, "ECHO before")).isEqualTo("before");
		killAndAwaitReset(server);
		server.restart();
		assertThat(call(connection, "ECHO after")).isEqualTo("after");
		assertThat(server.connectionsAccepted()).isEqualTo(2);
		ConnectionInfo info = info("orders");
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.retransmissions()).isOne();
	}

	@Test
	@DisplayName("H10, H26: when the first endpoint dies and stays down, calls go on through the next endpoint "
			+ "after one recovery")
	void callsFailOverToTheNextEndpoint() throws IOException {
		LineServer first = server();
		LineServer second = server();
		SocketConnection connection = connect(List.of(endpointOf(first), endpointOf(second)),
				this.recordingPlainSockets);
		assertThat(call(connection, "ECHO on first")).isEqualTo("on first");
		assertThat(connection.endpoint()).isEqualTo(endpointOf(first));
		killAndAwaitReset(first);
		assertThat(call(connection, "ECHO on second")).isEqualTo("on second");
		assertThat(call(connection, "PING")).isEqualTo("PONG");
		assertThat(connection.endpoint()).isEqualTo(endpointOf(second));
		assertThat(second.connectionsAccepted()).isOne();
		assertThat(second.requests()).isEqualTo(2);
		assertThat(info("orders").recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H10, H26: a recovery tries the endpoint the connection was on first, then wraps around to the "
			+ "endpoints before it")
	void recoveryWrapsAroundTheEndpoints() throws IOException {
		LineServer first = server();
		LineServer second = server();
		SocketConnection connection = connect(List.of(endpointOf(first), endpointOf(second)),
				this.recordingPlainSockets);
		assertThat(call(connection, "ECHO on first")).isEqualTo("on first");
		killAndAwaitReset(first);
		assertThat(call(connection, "ECHO on second")).isEqualTo("on second");
		first.restart();
		killAndAwaitReset(second);
		assertThat(call(connection, "ECHO on first again")).isEqualTo("on first again");
		assertThat(connection.endpoint()).isEqualTo(endpointOf(first));
		assertThat(first.connectionsAccepted()).isEqualTo(2);
		assertThat(info("orders").recoveriesSucceeded()).isEqualTo(2);
	}

	@Test
	@DisplayName("H27: the handshake runs on the plain socket at the first connect and again at the reconnect, "
			+ "before the application's call")
	void handshakeRunsOnEveryFreshSocket() throws IOException {
		LineServer server = server();
		SocketHandshake login = (fresh) -> {
			assertThat(call(fresh, "ECHO login")).isEqualTo("login");
			this.plainSockets.add(fresh);
		};
		SocketConnection connection = connect(List.of(endpointOf(server)),
				SocketOptions.defaults().withHandshake(login));
		assertThat(this.plainSockets).hasSize(1);
		assertThat(call(connection, "ECHO first")).isEqualTo("first");
		killAndAwaitReset(server);
		server.restart();
		assertThat(call(connection, "ECHO second")).isEqualTo("second");
		assertThat(this.plainSockets).hasSize(2);
		assertThat(this.plainSockets).noneMatch(this.connections::isHaAware);
		assertThat(this.plainSockets.get(0).isOpen()).isFalse();
		assertThat(server.requests()).isEqualTo(4);
	}

	@Test
	@DisplayName("H8, H10: a black-holed peer is detected by the read timeout, and the connection works again "
			+ "once the black hole ends")
	void blackHoledPeerIsDetectedAndRecovered() throws IOException {
		LineServer server = server();
		TcpFaultProxy proxy = TcpFaultProxy.start(server.port());
		this.closeables.add(proxy);
		SocketOptions options = SocketOptions.defaults()
			.withReadTimeout(Duration.ofMillis(300))
			.withSettings(ConnectionSettings.defaults().withPolicy(FAST).withMaxRetransmissions(0));
		SocketConnection connection = connect(List.of(new InetSocketAddress("127.0.0.1", proxy.port())), options);
		assertThat(call(connection, "ECHO before")).isEqualTo("before");
		proxy.blackHole(true);
		assertThat(catchThrowable(() -> call(connection, "ECHO lost"))).isInstanceOf(SocketTimeoutException.class);
		ConnectionInfo detected = info("orders");
		assertThat(detected.lastFailure().type()).isEqualTo(SocketTimeoutException.class.getName());
		assertThat(detected.recoveriesSucceeded()).isOne();
		proxy.blackHole(false);
		assertThat(call(connection, "ECHO after")).isEqualTo("after");
		assertThat(proxy.connectionsAccepted()).isEqualTo(2);
		assertThat(info("orders").recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H35: a black-holed peer becomes a stale SocketTimeoutException at the read timeout, on the first "
			+ "socket and again on the socket its recovery connected, and the connection works once the network heals")
	void blackHoledPeerTimesOutOnEverySocketTheRecoveryConnects() throws IOException {
		LineServer server = server();
		TcpFaultProxy proxy = TcpFaultProxy.start(server.port());
		this.closeables.add(proxy);
		SocketOptions options = this.recordingPlainSockets.withReadTimeout(Duration.ofMillis(300))
			.withSettings(ConnectionSettings.defaults().withPolicy(FAST).withMaxRetransmissions(0));
		SocketConnection connection = connect(List.of(new InetSocketAddress("127.0.0.1", proxy.port())), options);
		assertThat(call(connection, "ECHO before")).isEqualTo("before");
		proxy.blackHole(true);
		for (int socket = 1; socket <= 2; socket++) {
			// Bounds a read that would wait for ever; not a measure of speed.
			Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(20),
					() -> catchThrowable(() -> call(connection, "ECHO lost")));
			assertThat(failure).as("the failure of the call on socket %d", socket)
				.isInstanceOf(SocketTimeoutException.class);
			assertThat(info("orders").recoveriesSucceeded()).isEqualTo(socket);
		}
		assertThat(this.plainSockets).hasSize(3);
		proxy.blackHole(false);
		assertThat(call(connection, "ECHO after")).isEqualTo("after");
		assertThat(proxy.connectionsAccepted()).isEqualTo(3);
		assertThat(info("orders").lastFailure().type()).isEqualTo(SocketTimeoutException.class.getName());
	}

	@Test
	@DisplayName("H35: a connect to an endpoint that never answers fails at the connect timeout, at the first "
			+ "connect and in every recovery attempt, so that the next endpoint is tried and a recovery ends")
	void connectToASilentEndpointEndsAtTheConnectTimeout() throws IOException {
		InetSocketAddress silent = silentEndpoint();
		LineServer server = server();
		SocketOptions options = this.recordingPlainSockets.withConnectTimeout(Duration.ofMillis(300));
		// Bounds connects that would wait for ever; not a measure of speed.
		SocketConnection connection = assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> connect(List.of(silent, endpointOf(server)), options));
		assertThat(connection.endpoint()).isEqualTo(endpointOf(server));
		assertThat(call(connection, "ECHO first")).isEqualTo("first");
		killAndAwaitReset(server);
		Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> catchThrowable(() -> call(connection, "ECHO lost")));
		assertThat(failure).isInstanceOf(IOException.class);
		assertThat(failure.getSuppressed()).singleElement()
			.isInstanceOfSatisfying(RecoveryFailedException.class, (reason) -> {
				assertThat(reason.getCause()).isInstanceOf(ConnectException.class)
					.hasMessageContaining("127.0.0.1:" + silent.getPort());
				assertThat(reason.getCause().getSuppressed()).hasSize(2)
					.anySatisfy((cause) -> assertThat(cause).isInstanceOf(SocketTimeoutException.class));
			});
		assertThat(info("orders").recoveriesFailed()).isPositive();
	}

	@Test
	@DisplayName("H26: a recovery function of the application's own moves the connection to another server with "
			+ "the reconnect helper, closing the failed socket and keeping the handshake")
	void customRecoveryMovesToAnotherServer() throws IOException {
		LineServer first = server();
		LineServer other = server();
		AtomicReference<SocketConnection> failed = new AtomicReference<>();
		SocketOptions options = this.recordingPlainSockets.withRecovery((context) -> {
			failed.set(context.failedResource());
			return HaSockets.reconnect(context, List.of(endpointOf(other)));
		});
		SocketConnection connection = connect(List.of(endpointOf(first)), options);
		assertThat(call(connection, "ECHO on first")).isEqualTo("on first");
		killAndAwaitReset(first);
		assertThat(call(connection, "ECHO moved")).isEqualTo("moved");
		assertThat(connection.endpoint()).isEqualTo(endpointOf(other));
		assertThat(failed.get().isOpen()).isFalse();
		assertThat(this.plainSockets).extracting(SocketConnection::endpoint)
			.containsExactly(endpointOf(first), endpointOf(other));
		assertThat(info("orders").recoveriesSucceeded()).isOne();
	}

	@Test
	@DisplayName("H6: when the attach fails because the name is taken, the freshly connected socket is closed")
	void failedAttachClosesTheSocket() throws IOException {
		LineServer server = server();
		connect(List.of(endpointOf(server)));
		assertThatIllegalStateException().isThrownBy(() -> this.sockets.connect("orders", List.of(endpointOf(server))))
			.withMessageContaining("'orders'");
		await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionsAccepted() == 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 1);
	}

	@Test
	@DisplayName("H6: an empty list of endpoints fails before anything is opened, with an error that names the "
			+ "connection")
	void emptyEndpointListFailsClearly() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.connect("orders", List.of()))
			.withMessageContaining("connection 'orders'")
			.withMessageContaining("no endpoints given");
		assertThat(this.connections.find("orders")).isEmpty();
	}

	@Test
	@DisplayName("H6: when every endpoint refuses the first connect, a ConnectException names each of them and "
			+ "no connection is made")
	void firstConnectToDeadEndpointsFailsNamingThem() throws IOException {
		InetSocketAddress first = refusedEndpoint();
		InetSocketAddress second = refusedEndpoint();
		Throwable failure = catchThrowable(() -> this.sockets.connect("orders", List.of(first, second)));
		assertThat(failure).isInstanceOf(ConnectException.class)
			.hasMessageContaining("connection 'orders'")
			.hasMessageContaining("127.0.0.1:" + first.getPort())
			.hasMessageContaining("127.0.0.1:" + second.getPort());
		assertThat(failure.getSuppressed()).hasSize(2).allMatch(ConnectException.class::isInstance);
		assertThat(this.connections.find("orders")).isEmpty();
	}

	private SocketConnection connect(List<InetSocketAddress> endpoints) throws IOException {
		return connect(endpoints, SocketOptions.defaults());
	}

	private SocketConnection connect(List<InetSocketAddress> endpoints, SocketOptions options) throws IOException {
		SocketConnection connection = this.sockets.connect("orders", endpoints, options);
		this.closeables.add(connection);
		return connection;
	}

	private LineServer server() throws IOException {
		LineServer server = LineServer.start();
		this.closeables.add(server);
		return server;
	}

	/**
	 * Kills the server and waits until the plain socket of the last (re)connect has seen
	 * its reset. {@link LineServer#kill()} closes a socket that its handler thread is
	 * reading only once that thread wakes up, so the reset can reach the client after
	 * {@code kill()} returned; a call that wrote its request before would then fail on
	 * the read, and its read alone would be re-issued on the new socket, waiting for a
	 * reply that never comes (see {@link SocketConnection}).
	 */
	private void killAndAwaitReset(LineServer server) {
		server.kill();
		SocketConnection plain = this.plainSockets.get(this.plainSockets.size() - 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> writeFails(plain));
	}

	private static boolean writeFails(SocketConnection plain) {
		try {
			plain.write(ByteBuffer.wrap(new byte[] { '\n' }));
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

	/**
	 * Returns an endpoint that never answers a connect, as a black-holed server: a
	 * listening socket that never accepts, whose accept queue is filled first, so that
	 * the kernel drops the SYNs of further connects.
	 */
	private InetSocketAddress silentEndpoint() throws IOException {
		ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		this.closeables.add(listener);
		InetSocketAddress endpoint = new InetSocketAddress("127.0.0.1", listener.getLocalPort());
		for (int filled = 0; filled < 16; filled++) {
			Socket filler = new Socket();
			this.closeables.add(filler);
			try {
				filler.connect(endpoint, 200);
			}
			catch (SocketTimeoutException ex) {
				return endpoint;
			}
		}
		return Assumptions.abort("the kernel accepts connects beyond a full accept queue");
	}

	private static InetSocketAddress refusedEndpoint() throws IOException {
		try (LineServer server = LineServer.start()) {
			return endpointOf(server);
		}
	}

	private static InetSocketAddress endpointOf(LineServer server) {
		return new InetSocketAddress("127.0.0.1", server.port());
	}

	private ConnectionInfo info(String name) {
		return this.connections.find(name).orElseThrow();
	}

	private static String call(ByteChannel channel, String request) throws IOException {
		ByteBuffer line = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
		while (line.hasRemaining()) {
			channel.write(line);
		}
		return readLine(channel);
	}

	private static String readLine(ByteChannel channel) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		ByteBuffer next = ByteBuffer.allocate(1);
		while (true) {
			next.clear();
			if (channel.read(next) < 0) {
				throw new EOFException("end of stream before the end of the line " + line);
			}
			if (next.get(0) == '\n') {
				return line.toString(StandardCharsets.UTF_8);
			}
			line.write(next.get(0));
		}
	}

}
