package io.hacover.io;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hacover.core.Attachment;
import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.RetransmitPolicy;
import io.hacover.testsupport.HttpFileServer;
import io.hacover.testsupport.LineServer;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The Java snippets of the README's sections "Plain Java" and "Covers for files, HTTP
 * files and sockets": each is a region of this class between {@code tag::<name>[]} and
 * {@code end::<name>[]} comments, compiled here and run against real servers where it can
 * be (H1, H3, H5, H6, H7, H12, H15, H17, H25 to H27, H30).
 * {@link #readmeSnippetsAreTheCodeOfThisClass} checks that the README shows them as they
 * are here.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmePlainJavaTests {

	private static final Pattern TAGGED = Pattern.compile("// tag::([\\w-]+)\\[\\]\\n(.*?)\\n[\\t ]*// end::\\1\\[\\]",
			Pattern.DOTALL);

	private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL);

	private static final List<String> SECTIONS = List.of("## Plain Java", "## Covers for files, HTTP files and sockets",
			"## From the C library to Java");

	private static final int MIB = 1024 * 1024;

	@TempDir
	Path root;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@AfterEach
	void closeEverything() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	@DisplayName("The README's Java snippets of its plain Java sections are the tagged regions of this class")
	void readmeSnippetsAreTheCodeOfThisClass() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		String source = Files.readString(Path.of("src/test/java", getClass().getName().replace('.', '/') + ".java"));
		List<String> regions = new ArrayList<>();
		Matcher tagged = TAGGED.matcher(source);
		while (tagged.find()) {
			regions.add(dedent(tagged.group(2)));
		}
		List<String> snippets = new ArrayList<>();
		for (String section : SECTIONS) {
			Matcher block = JAVA_BLOCK.matcher(section(readme, section));
			while (block.find()) {
				snippets.add(block.group(1));
			}
		}
		assertThat(snippets).hasSizeGreaterThanOrEqualTo(6);
		assertThat(snippets).allSatisfy((snippet) -> assertThat(regions).contains(snippet));
	}

	@Test
	@DisplayName("H3, H5, H6, H7, H17, H25: attach, open, duplicate, control, detach and close in plain Java")
	void tableInPlainJava() throws Exception {
		InetSocketAddress address = lineServer();
		// tag::plain-java[]
		HaConnections connections = HaConnections.create();

		RecoveryFunction<GreetingClient> reconnect = (context) -> {
			context.failedResource().close();
			return SocketGreetingClient.connect(address);
		};

		// attach: returns the HA connection; use it instead of the raw client from now on
		GreetingClient client = connections
			.attach(Attachment.of(GreetingClient.class, SocketGreetingClient.connect(address))
				.name("greeting")
				.recovery(reconnect));

		// open: open, then attach; without a recovery function, recovery reopens it
		GreetingClient other = connections
			.open(Attachment.opening(GreetingClient.class, () -> SocketGreetingClient.connect(address)).name("other"));

		// duplicate: a second HA connection on the same record (one resource, one
		// recovery function, one set of limits and counters)
		GreetingClient twin = connections.duplicate(client);

		// control: limits, suspend/enable, counter resets; by connection or by name
		connections.control(client).limitRecoveries(100).limitConsecutiveFailures(5);
		connections.control("greeting").suspend(); // acts as a plain connection for now
		connections.control("greeting").enable().resetRecoveries();
		ConnectionInfo info = connections.find("greeting").orElseThrow();

		// detach: recovery ends, errors reach the caller unchanged; attach to resume
		connections.detach(client);
		connections.attach(GreetingClient.class, client, reconnect);

		// close: detach, then close the resource; with duplicates, the last one closes it
		connections.close(twin);
		client.close(); // the same as connections.close(client)
		// end::plain-java[]
		assertThat(info.name()).isEqualTo("greeting");
		assertThat(other.greet("other")).isEqualTo("hello other");
		assertThat(connections.connections()).extracting(ConnectionInfo::name).containsExactly("other");
		other.close();
	}

	@Test
	@DisplayName("H27: the handle keeps the reader's offset, and its recovery function reopens and seeks there")
	void handleKeepsTheOffset() throws Exception {
		HaConnections connections = HaConnections.create();
		Path path = Files.writeString(this.root.resolve("app.log"), "first\nsecond\n");
		// tag::plain-java-handle[]
		Offset offset = new Offset(); // the application moves it on as it reads
		RecoveryFunction<LogReader> seekBack = (context) -> {
			LogReader fresh = context.reopen(); // closes the failed one, opens it anew
			fresh.seek(context.handle(Offset.class).value());
			return fresh;
		};
		LogReader reader = connections
			.open(Attachment.opening(LogReader.class, () -> LogReader.open(path)).handle(offset).recovery(seekBack));
		// end::plain-java-handle[]
		this.closeables.add(reader);
		assertThat(reader.readLine()).isEqualTo("first");
		offset.moveTo(6);
		assertThat(connections.isHaAware(reader)).isTrue();
	}

	@Test
	@DisplayName("H12, H15: the back-off, budget and limits of every connection, and of one, in plain Java")
	void settingsInPlainJava() throws IOException {
		InetSocketAddress address = lineServer();
		RecoveryFunction<GreetingClient> reconnect = (context) -> SocketGreetingClient.connect(address);
		// tag::plain-java-settings[]
		RecoveryPolicy backOff = RecoveryPolicy.exponential()
			.initialDelay(Duration.ofMillis(100))
			.maxDelay(Duration.ofSeconds(2))
			.budget(Duration.ofMinutes(1))
			.build();
		ConnectionSettings settings = ConnectionSettings.defaults()
			.withPolicy(backOff)
			.withRetransmit(RetransmitPolicy.SAFE)
			.withMaxRecoveries(1000);
		// the defaults of every connection of the table
		HaConnections connections = HaConnections.create(settings);

		// the settings of one connection
		ConnectionSettings quick = settings
			.withPolicy(RecoveryPolicy.exponential().budget(Duration.ofSeconds(5)).build());
		GreetingClient client = connections
			.attach(Attachment.of(GreetingClient.class, SocketGreetingClient.connect(address))
				.name("greeting")
				.settings(quick)
				.recovery(reconnect));
		// end::plain-java-settings[]
		this.closeables.add(client);
		assertThat(connections.defaults()).isEqualTo(settings);
		assertThat(backOff.budget()).isEqualTo(Duration.ofMinutes(1));
		assertThat(backOff)
			.hasToString("exponential(initial 100 ms, x2.0, max 2000 ms, 150 attempts, budget 60000 ms)");
		assertThat(client.greet("you")).isEqualTo("hello you");
	}

	@Test
	@DisplayName("H9, H10, H27: a channel opened with a recovery function and a handle reads on at the offset kept in the handle after its server restarts")
	void channelWithRecoveryFunctionAndHandle() throws Exception {
		HttpFileServer server = httpServer();
		byte[] content = ChannelFixtures.randomBytes(32 * MIB, 7);
		ChannelFixtures.write(this.root, "data.bin", content);
		URI uri = server.uri("data.bin");
		HaConnections connections = ChannelFixtures.table();
		HaChannels channels = new HaChannels(connections);
		// tag::channel-recovery-handle[]
		Offset offset = new Offset(); // the application moves it on as it reads
		RecoveryFunction<SeekableByteChannel> seekToOffset = (context) -> context.reopen()
			.position(context.handle(Offset.class).value());
		SeekableByteChannel remote = channels.open("remote", uri,
				(attachment) -> attachment.recovery(seekToOffset).handle(offset));
		// end::channel-recovery-handle[]
		this.closeables.add(remote);
		readWithOffset(remote, offset, content, MIB);
		ChannelFixtures.restart(server);
		while (ChannelFixtures.info(connections, "remote").recoveriesSucceeded() < 1) {
			assertThat(readWithOffset(remote, offset, content, 64 * 1024)).isPositive();
		}
		readWithOffset(remote, offset, content, 64 * 1024);
		assertThat(remote.position()).isEqualTo(offset.value());
	}

	@Test
	@DisplayName("H6, H26: open, then attach: a plain channel attached with a recovery function of its own moves back to its server at the same position")
	void openThenAttachAnHttpFile() throws Exception {
		HttpFileServer server = httpServer();
		byte[] content = ChannelFixtures.randomBytes(32 * MIB, 8);
		ChannelFixtures.write(this.root, "data.bin", content);
		URI uri = server.uri("data.bin");
		HaConnections connections = ChannelFixtures.table();
		HaChannels channels = new HaChannels(connections);
		// tag::open-then-attach[]
		// open: a plain channel, not HA-aware
		SeekableByteChannel plain = channels.openPlain("remote", uri);
		// then attach it, with a recovery function of your own; context.reopen()
		// would fail, since the table did not open it: channels.reopen does
		SeekableByteChannel remote = connections.attach(Attachment.of(SeekableByteChannel.class, plain)
			.name("remote")
			.recovery((context) -> channels.reopen(context, uri)));
		// end::open-then-attach[]
		this.closeables.add(remote);
		assertThat(connections.isHaAware(plain)).isFalse();
		ChannelCursor cursor = new ChannelCursor(content);
		cursor.read(remote, MIB);
		ChannelFixtures.restart(server);
		cursor.readUntilRecovered(remote, connections, "remote", 1);
	}

	@Test
	@DisplayName("H30: context.reopen() on an attached channel ends the recovery at once, with an error that says what to call instead")
	void reopenOfAnAttachedChannelSaysWhatToDoInstead() throws Exception {
		HttpFileServer server = httpServer();
		ChannelFixtures.write(this.root, "data.bin", ChannelFixtures.randomBytes(32 * MIB, 9));
		HaConnections connections = ChannelFixtures.table();
		HaChannels channels = new HaChannels(connections);
		SeekableByteChannel remote = connections
			.attach(Attachment.of(SeekableByteChannel.class, channels.openPlain("remote", server.uri("data.bin")))
				.name("remote")
				.recovery(RecoveryContext::reopen));
		this.closeables.add(remote);
		new ChannelCursor(Files.readAllBytes(this.root.resolve("data.bin"))).read(remote, MIB);
		ChannelFixtures.restart(server);
		Throwable failure = catchThrowable(() -> {
			ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
			while (remote.read(buffer.clear()) >= 0) {
				// read until the failure
			}
		});
		assertThat(failure).isInstanceOf(IOException.class);
		assertThat(failure.getSuppressed()).singleElement()
			.isInstanceOf(RecoveryFailedException.class)
			.extracting(Throwable::getCause)
			.isInstanceOf(IllegalStateException.class)
			.asInstanceOf(InstanceOfAssertFactories.THROWABLE)
			.hasMessageContaining("connection 'remote' was attached, not opened")
			.hasMessageContaining("channels.reopen(context, uri)")
			.hasMessageContaining("HaSockets.reconnect(context, endpoints)");
		assertThat(ChannelFixtures.info(connections, "remote").attempts()).isOne();
	}

	/**
	 * Compiled, not run: it names files and servers that do not exist here.
	 */
	@SuppressWarnings("unused")
	private static void covers(HaChannels channels, HaSockets sockets, InetSocketAddress primary,
			InetSocketAddress standby) throws IOException {
		// tag::covers[]
		// open(2) and creat(2): a SeekableByteChannel that keeps its position
		SeekableByteChannel log = channels.open("log", Path.of("/data/app.log"), StandardOpenOption.READ);
		SeekableByteChannel out = channels.create("out", Path.of("/data/out.bin"));

		// a file served over HTTP, read with Range requests: after the server
		// restarts, reading goes on at the next byte
		SeekableByteChannel remote = channels.open("remote", URI.create("http://files.internal/data.bin"));

		// fopen(3): streams, readers and writers over HA channels; closing the
		// stream closes the channel
		InputStream in = channels.openInputStream("in", URI.create("http://files.internal/data.bin"));
		Writer writer = channels.openWriter("report", Path.of("/data/report.txt"), StandardCharsets.UTF_8);

		// a TCP connection to the first endpoint that answers; recovery fails over
		// to the next ones
		SocketConnection feed = sockets.connect("feed", List.of(primary, standby),
				SocketOptions.defaults().withReadTimeout(Duration.ofSeconds(5)).withHandshake((fresh) -> logIn(fresh)));
		// end::covers[]
	}

	private static void logIn(SocketConnection fresh) {
	}

	private long readWithOffset(SeekableByteChannel channel, Offset offset, byte[] content, int length)
			throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(length);
		int read = channel.read(buffer);
		if (read > 0) {
			int from = (int) offset.value();
			assertThat(Arrays.mismatch(buffer.array(), 0, read, content, from, from + read)).isEqualTo(-1);
			offset.moveTo(from + read);
		}
		return read;
	}

	private InetSocketAddress lineServer() throws IOException {
		LineServer server = LineServer.start();
		this.closeables.add(server);
		return new InetSocketAddress("127.0.0.1", server.port());
	}

	private HttpFileServer httpServer() throws IOException {
		HttpFileServer server = HttpFileServer.start(this.root);
		this.closeables.add(server);
		return server;
	}

	private static String section(String readme, String heading) {
		int start = readme.indexOf("\n" + heading + "\n");
		assertThat(start).as("README section '%s'", heading).isNotNegative();
		int end = readme.indexOf("\n## ", start + heading.length() + 2);
		return readme.substring(start, (end >= 0) ? end : readme.length());
	}

	private static String dedent(String region) {
		List<String> lines = region.lines().toList();
		int indent = lines.stream()
			.filter((line) -> !line.isBlank())
			.mapToInt((line) -> line.length() - line.stripLeading().length())
			.min()
			.orElse(0);
		return String.join("\n", lines.stream().map((line) -> line.isBlank() ? "" : line.substring(indent)).toList());
	}

	/**
	 * The client of the README's plain Java examples: greets over a line server.
	 */
	interface GreetingClient extends Closeable {

		String greet(String name) throws IOException;

	}

	/**
	 * A plain {@link GreetingClient} over one socket.
	 */
	static final class SocketGreetingClient implements GreetingClient {

		private final Socket socket;

		private final BufferedReader in;

		private final OutputStream out;

		private SocketGreetingClient(Socket socket) throws IOException {
			this.socket = socket;
			this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
			this.out = socket.getOutputStream();
		}

		static SocketGreetingClient connect(InetSocketAddress address) throws IOException {
			Socket socket = new Socket();
			socket.connect(address, 2000);
			return new SocketGreetingClient(socket);
		}

		@Override
		public String greet(String name) throws IOException {
			this.out.write(("ECHO hello " + name + "\n").getBytes(StandardCharsets.UTF_8));
			this.out.flush();
			return this.in.readLine();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

	/**
	 * The reader of the README's handle example: reads lines of a file from an offset.
	 */
	interface LogReader extends Closeable {

		String readLine() throws IOException;

		void seek(long offset) throws IOException;

		static LogReader open(Path path) throws IOException {
			FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
			return new LogReader() {

				private BufferedReader lines = reader();

				@Override
				public String readLine() throws IOException {
					return this.lines.readLine();
				}

				@Override
				public void seek(long offset) throws IOException {
					channel.position(offset);
					this.lines = reader();
				}

				@Override
				public void close() throws IOException {
					channel.close();
				}

				private BufferedReader reader() {
					return new BufferedReader(Channels.newReader(channel, StandardCharsets.UTF_8));
				}

			};
		}

	}

	/**
	 * The handle of the README's examples: where the application has read to.
	 */
	static final class Offset {

		private volatile long value;

		long value() {
			return this.value;
		}

		void moveTo(long value) {
			this.value = value;
		}

	}

}
