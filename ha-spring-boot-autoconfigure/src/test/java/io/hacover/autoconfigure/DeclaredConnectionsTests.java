package io.hacover.autoconfigure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.io.HaChannels;
import io.hacover.io.SocketConnection;
import io.hacover.io.SocketHandshake;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;
import io.hacover.jdbc.HaDataSource;
import io.hacover.spring.HaConfigurationException;
import io.hacover.testsupport.HttpFileServer;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.PostgresServer;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * Connections declared in {@code application.yml} with a group that says what to open
 * ({@code channel}, {@code http}, {@code socket}, {@code jdbc}): they become beans of the
 * right type, already HA-aware, with the named recovery bean or the cover's built-in
 * recovery.
 */
class DeclaredConnectionsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
		.withPropertyValues("ha.defaults.backoff.initial-delay=10ms", "ha.defaults.backoff.max-delay=50ms");

	@TempDir
	Path directory;

	@Test
	@DisplayName("H6 H27: a declared 'channel' is a bean, HA-aware, that a duplicate shares the position of")
	void declaredChannelIsAnHaAwareBean() throws IOException {
		Path file = Files.writeString(this.directory.resolve("data.txt"), "0123456789");
		this.runner.withPropertyValues("ha.connections.data.channel.path=" + file).run((context) -> {
			SeekableByteChannel channel = context.getBean("data", SeekableByteChannel.class);
			HaConnections connections = context.getBean(HaConnections.class);
			assertThat(connections.isHaAware(channel)).isTrue();
			assertThat(read(channel, 4)).isEqualTo("0123");
			SeekableByteChannel duplicate = connections.duplicate(channel);
			assertThat(duplicate.position()).isEqualTo(4);
			assertThat(read(duplicate, 6)).isEqualTo("456789");
			assertThat(connections.find("data")).isPresent();
		});
	}

	@Test
	@DisplayName("H10 H27: a declared 'http' file is read on at the right byte after its server restarts")
	void declaredHttpFileIsReadOnAfterARestart() throws IOException {
		byte[] content = new byte[8 * 1024 * 1024];
		new java.util.Random(7).nextBytes(content);
		Files.write(this.directory.resolve("remote.bin"), content);
		try (HttpFileServer server = HttpFileServer.start(this.directory)) {
			this.runner
				.withPropertyValues("ha.connections.remote.http.uri=" + server.uri("remote.bin"),
						"ha.connections.remote.http.read-timeout=5s")
				.run((context) -> {
					SeekableByteChannel channel = context.getBean("remote", SeekableByteChannel.class);
					ByteBuffer received = ByteBuffer.allocate(content.length);
					channel.read(received.limit(1024));
					server.kill();
					server.restart();
					received.limit(content.length);
					while (received.hasRemaining() && channel.read(received) >= 0) {
						// Read to the end of the file.
					}
					assertThat(received.array()).isEqualTo(content);
					assertThat(context.getBean(HaConnections.class).find("remote").orElseThrow().recoveriesSucceeded())
						.isOne();
				});
		}
	}

	@Test
	@DisplayName("H26: a declared 'socket' fails over to the next endpoint and runs its handshake bean again")
	void declaredSocketFailsOverAndShakesHandsAgain() throws IOException {
		try (LineServer first = LineServer.start(); LineServer second = LineServer.start()) {
			this.runner.withUserConfiguration(HandshakeConfiguration.class)
				.withPropertyValues(
						"ha.connections.feed.socket.endpoints=127.0.0.1:" + first.port() + ",127.0.0.1:"
								+ second.port(),
						"ha.connections.feed.socket.handshake=hello", "ha.connections.feed.socket.read-timeout=5s")
				.run((context) -> {
					SocketConnection socket = context.getBean("feed", SocketConnection.class);
					CountingHandshake hello = context.getBean("hello", CountingHandshake.class);
					assertThat(call(socket, "ECHO one")).isEqualTo("one");
					assertThat(socket.endpoint().getPort()).isEqualTo(first.port());
					first.kill();
					await().until(() -> first.openConnections() == 0);
					assertThat(call(socket, "ECHO two")).isEqualTo("two");
					assertThat(socket.endpoint().getPort()).isEqualTo(second.port());
					assertThat(hello.count()).isEqualTo(2);
					assertThat(context.getBean(HaConnections.class).find("feed").orElseThrow().recoveriesSucceeded())
						.isOne();
				});
		}
	}

	@Test
	@DisplayName("H35: a declared 'socket' reads with its read-timeout: a black-holed peer becomes a stale "
			+ "SocketTimeoutException instead of a hang")
	void declaredSocketTimesOutOnABlackHoledPeer() throws IOException {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			this.runner.withPropertyValues("ha.connections.feed.socket.endpoints=127.0.0.1:" + proxy.port(),
					"ha.connections.feed.socket.read-timeout=300ms", "ha.connections.feed.socket.connect-timeout=1s")
				.run((context) -> {
					SocketConnection socket = context.getBean("feed", SocketConnection.class);
					assertThat(call(socket, "ECHO before")).isEqualTo("before");
					proxy.blackHole(true);
					// Bounds a read that would wait for ever; not a measure of speed.
					Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
							() -> catchThrowable(() -> call(socket, "ECHO lost")));
					assertThat(failure).isInstanceOf(SocketTimeoutException.class);
					ConnectionInfo info = context.getBean(HaConnections.class).find("feed").orElseThrow();
					assertThat(info.lastFailure().type()).isEqualTo(SocketTimeoutException.class.getName());
					assertThat(info.recoveriesSucceeded()).isPositive();
					proxy.blackHole(false);
					assertThat(call(socket, "ECHO after")).isEqualTo("after");
				});
		}
	}

	@Test
	@DisplayName("H4: a declared connection recovers with the recovery bean it names")
	void declaredConnectionUsesItsRecoveryBean() throws IOException {
		Path file = Files.writeString(this.directory.resolve("named.txt"), "0123456789");
		this.runner.withUserConfiguration(RecoveryConfiguration.class)
			.withPropertyValues("ha.connections.named.channel.uri=" + file.toUri(),
					"ha.connections.named.recovery=reopenAndCount")
			.run((context) -> {
				SeekableByteChannel channel = context.getBean("named", SeekableByteChannel.class);
				assertThat(read(channel, 3)).isEqualTo("012");
				Thread.currentThread().interrupt();
				// An interrupt closes the file channel under the HA channel
				// (ClosedByInterruptException).
				assertThat(readQuietly(channel)).isFalse();
				assertThat(Thread.interrupted()).isTrue();
				assertThat(read(channel, 7)).isEqualTo("3456789");
				assertThat(context.getBean(RecoveryConfiguration.class).recoveries).hasValue(1);
			});
	}

	@Test
	@DisplayName("H10 H27: a declared 'jdbc' data source hands out HA connections that survive a killed backend, and "
			+ "never shows its password")
	void declaredJdbcDataSourceHandsOutHaConnections() throws Exception {
		try (PostgresServer server = PostgresServer.start()) {
			this.runner.withPropertyValues("ha.connections.orders.jdbc.url=" + server.jdbcUrl(),
					"ha.connections.orders.jdbc.username=postgres", "ha.connections.orders.jdbc.password=s3cret-word")
				.run((context) -> {
					DataSource dataSource = context.getBean("orders", DataSource.class);
					assertThat(dataSource).isInstanceOf(HaDataSource.class);
					try (Connection connection = dataSource.getConnection()) {
						connection.setSchema("pg_catalog");
						server.terminate(server.backendPid(connection));
						try (java.sql.Statement statement = connection.createStatement();
								java.sql.ResultSet schema = statement.executeQuery("select current_schema()")) {
							assertThat(schema.next()).isTrue();
							assertThat(schema.getString(1)).isEqualTo("pg_catalog");
						}
					}
					assertThat(dataSource.toString()).doesNotContain("s3cret-word");
					assertThat(((HaDataSource) dataSource).getTarget().toString()).doesNotContain("s3cret-word");
				});
			this.runner.withPropertyValues("ha.connections.orders.jdbc.url=postgres://x")
				.run((context) -> assertMisconfigured(context, "ha.connections.orders.jdbc.url"));
		}
	}

	@Test
	@DisplayName("a declared 'jdbc' connection is the application's DataSource: Boot's data source "
			+ "auto-configuration backs off and JdbcTemplate uses it")
	void declaredJdbcConnectionIsTheApplicationsDataSource() throws Exception {
		try (PostgresServer server = PostgresServer.start()) {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						JdbcTemplateAutoConfiguration.class, HaAutoConfiguration.class))
				.withPropertyValues("ha.connections.orders.jdbc.url=" + server.jdbcUrl(),
						"ha.connections.orders.jdbc.username=postgres")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context).getBean(DataSource.class).isSameAs(context.getBean("orders"));
					assertThat(context.getBean(JdbcTemplate.class).queryForObject("select 1", Integer.class))
						.isEqualTo(1);
				});
		}
	}

	@Test
	@DisplayName("a declared connection that lacks what its kind needs fails start-up naming the key")
	void incompleteDeclarationsFailStartUp() {
		this.runner.withPropertyValues("ha.connections.data.channel.options=read")
			.run((context) -> assertMisconfigured(context, "ha.connections.data.channel.path"));
		this.runner.withPropertyValues("ha.connections.web.http.uri=ftp://host/file")
			.run((context) -> assertMisconfigured(context, "ha.connections.web.http.uri"));
		this.runner.withPropertyValues("ha.connections.feed.socket.endpoints=nowhere")
			.run((context) -> assertMisconfigured(context, "ha.connections.feed.socket.endpoints[0]"));
		this.runner.withPropertyValues("ha.connections.feed.socket.handshake=hello")
			.run((context) -> assertMisconfigured(context, "ha.connections.feed.socket.endpoints"));
	}

	@Test
	@DisplayName("a connection that declares two kinds, or a key of another kind, fails start-up naming the key")
	void declarationOfTwoKindsOrAKeyOfAnotherKindFailsStartUp() {
		this.runner
			.withPropertyValues("ha.connections.feed.http.uri=http://files.internal/data.bin",
					"ha.connections.feed.socket.endpoints=127.0.0.1:7000")
			.run((context) -> assertMisconfigured(context, "ha.connections.feed.socket"));
		this.runner
			.withPropertyValues("ha.connections.feed.socket.endpoints=127.0.0.1:7000",
					"ha.connections.feed.socket.path=/data/feed.log")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new HaBindFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'feed'", "unknown key ha.connections.feed.socket.path");
				assertThat(analysis.getAction())
					.contains("the keys of a 'socket' declaration are endpoints, handshake");
			});
	}

	@Test
	@DisplayName("a declared socket naming a missing handshake bean fails start-up naming the key")
	void missingHandshakeBeanFailsStartUp() throws IOException {
		try (LineServer server = LineServer.start()) {
			this.runner
				.withPropertyValues("ha.connections.feed.socket.endpoints=127.0.0.1:" + server.port(),
						"ha.connections.feed.socket.handshake=helo")
				.run((context) -> assertMisconfigured(context, "ha.connections.feed.socket.handshake"));
		}
	}

	private static void assertMisconfigured(AssertableApplicationContext context, String key) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		while (failure != null && !(failure instanceof HaConfigurationException)) {
			failure = failure.getCause();
		}
		assertThat(failure).isInstanceOfSatisfying(HaConfigurationException.class,
				(exception) -> assertThat(exception.getKey()).isEqualTo(key));
	}

	private static String read(SeekableByteChannel channel, int length) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(length);
		while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
			// Read until the buffer is full or the file ends.
		}
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

	private static boolean readQuietly(SeekableByteChannel channel) {
		try {
			channel.read(ByteBuffer.allocate(1));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static String call(SocketConnection socket, String request) throws IOException {
		socket.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		ByteBuffer one = ByteBuffer.allocate(1);
		while (true) {
			one.clear();
			if (socket.read(one) < 0) {
				throw new IOException("connection closed");
			}
			if (one.get(0) == '\n') {
				return line.toString(StandardCharsets.UTF_8);
			}
			line.write(one.get(0));
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class HandshakeConfiguration {

		@Bean
		CountingHandshake hello() {
			return new CountingHandshake();
		}

	}

	static class CountingHandshake implements SocketHandshake {

		private final AtomicInteger count = new AtomicInteger();

		@Override
		public void perform(SocketConnection fresh) throws IOException {
			assertThat(call(fresh, "PING")).isEqualTo("PONG");
			this.count.incrementAndGet();
		}

		int count() {
			return this.count.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecoveryConfiguration {

		final AtomicInteger recoveries = new AtomicInteger();

		@Bean
		RecoveryFunction<SeekableByteChannel> reopenAndCount() {
			return (context) -> {
				this.recoveries.incrementAndGet();
				return HaChannels.reopenAtPosition(context);
			};
		}

	}

}
