package io.hacover.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.HttpFileServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests of the channel cover: files opened and created HA-aware, their position,
 * duplicates and close, streams over files and over http, a reader interrupted in a read,
 * a move to another server, and clear errors for bad input (H6, H7, H8, H10, H23, H25 to
 * H27).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelCoverTests {

	private static final int MIB = 1024 * 1024;

	@TempDir
	Path root;

	private final HaConnections connections = ChannelFixtures.table();

	private final HaChannels channels = new HaChannels(this.connections);

	private final List<HttpFileServer> servers = new ArrayList<>();

	@AfterEach
	void stopServers() {
		this.servers.forEach(HttpFileServer::close);
	}

	@Test
	@DisplayName("H6: creat opens a new file HA-aware, and what is written through it reads back through another HA channel")
	void createdFileReadsBackThroughAnotherChannel() throws IOException {
		Path file = this.root.resolve("created.txt");
		byte[] content = "written through an HA channel\n".getBytes(StandardCharsets.UTF_8);
		try (SeekableByteChannel out = this.channels.create("writer", file)) {
			assertThat(this.connections.isHaAware(out)).isTrue();
			assertThat(out.write(ByteBuffer.wrap(content))).isEqualTo(content.length);
			assertThat(out.position()).isEqualTo(content.length);
		}
		assertThat(this.connections.find("writer")).isEmpty();
		try (SeekableByteChannel in = this.channels.open("reader", file, StandardOpenOption.READ)) {
			assertThat(this.connections.isHaAware(in)).isTrue();
			ByteBuffer buffer = ByteBuffer.allocate(100);
			assertThat(in.read(buffer)).isEqualTo(content.length);
			assertThat(in.read(buffer)).isEqualTo(-1);
			assertThat(Arrays.copyOf(buffer.array(), buffer.position())).isEqualTo(content);
			assertThat(in.size()).isEqualTo(content.length);
		}
	}

	@Test
	@DisplayName("H6: a file: URI opens the local file HA-aware for reading")
	void fileUriOpensTheLocalFile() throws IOException {
		byte[] content = ChannelFixtures.randomBytes(1000, 5);
		Path file = ChannelFixtures.write(this.root, "local.bin", content);
		ChannelCursor cursor = new ChannelCursor(content);
		try (SeekableByteChannel channel = this.channels.open("by-uri", file.toUri())) {
			assertThat(this.connections.isHaAware(channel)).isTrue();
			assertThat(cursor.read(channel, 2000)).isEqualTo(content.length);
			assertThat(channel.size()).isEqualTo(content.length);
		}
	}

	@Test
	@DisplayName("H6: creat truncates a file that exists")
	void createTruncatesAnExistingFile() throws IOException {
		Path file = ChannelFixtures.write(this.root, "old.txt",
				"a longer text that was there before".getBytes(StandardCharsets.UTF_8));
		try (SeekableByteChannel out = this.channels.create("truncating", file)) {
			out.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8)));
		}
		assertThat(file).hasContent("new");
	}

	@Test
	@DisplayName("H27: an HA channel tracks its position through reads, seeks and writes")
	void channelTracksItsPosition() throws IOException {
		byte[] content = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
		Path file = ChannelFixtures.write(this.root, "seek.txt", content);
		try (SeekableByteChannel channel = this.channels.open("seeker", file, StandardOpenOption.READ,
				StandardOpenOption.WRITE)) {
			assertThat(channel.position()).isZero();
			assertThat(channel.read(ByteBuffer.allocate(10))).isEqualTo(10);
			assertThat(channel.position()).isEqualTo(10);
			ByteBuffer four = ByteBuffer.allocate(4);
			channel.position(3);
			assertThat(channel.read(four)).isEqualTo(4);
			assertThat(four.array()).asString(StandardCharsets.US_ASCII).isEqualTo("3456");
			assertThat(channel.position()).isEqualTo(7);
			channel.position(channel.size());
			channel.write(ByteBuffer.wrap("+tail".getBytes(StandardCharsets.US_ASCII)));
			assertThat(channel.position()).isEqualTo(content.length + 5);
		}
		assertThat(file).hasContent("0123456789abcdefghij+tail");
	}

	@Test
	@DisplayName("H10, H25: seeking and truncating return the HA channel itself, never the resource behind it")
	void seekingAndTruncatingReturnTheHaChannel() throws IOException {
		Path file = ChannelFixtures.write(this.root, "fluent.txt", "0123456789".getBytes(StandardCharsets.US_ASCII));
		try (SeekableByteChannel channel = this.channels.open("fluent", file, StandardOpenOption.READ,
				StandardOpenOption.WRITE)) {
			assertThat(channel.position(3)).isSameAs(channel);
			assertThat(channel.truncate(5)).isSameAs(channel);
		}
	}

	@Test
	@DisplayName("H25: duplicates share one position, as duplicated descriptors do")
	void duplicatesShareOnePosition() throws IOException {
		byte[] content = ChannelFixtures.randomBytes(100, 25);
		Path file = ChannelFixtures.write(this.root, "shared.bin", content);
		try (SeekableByteChannel channel = this.channels.open("shared", file, StandardOpenOption.READ);
				SeekableByteChannel duplicate = this.connections.duplicate(channel)) {
			ByteBuffer ten = ByteBuffer.allocate(10);
			assertThat(channel.read(ten)).isEqualTo(10);
			assertThat(duplicate.position()).isEqualTo(10);
			ByteBuffer next = ByteBuffer.allocate(5);
			assertThat(duplicate.read(next)).isEqualTo(5);
			assertThat(next.array()).isEqualTo(Arrays.copyOfRange(content, 10, 15));
			assertThat(channel.position()).isEqualTo(15);
			duplicate.position(40);
			assertThat(channel.position()).isEqualTo(40);
		}
	}

	@Test
	@DisplayName("H7: with duplicates, the file stays open until the last of them is closed")
	void fileStaysOpenUntilTheLastDuplicateIsClosed() throws IOException {
		Path descriptors = Path.of("/proc/self/fd");
		assumeThat(Files.isDirectory(descriptors)).as("/proc/self/fd lists the open files").isTrue();
		byte[] content = ChannelFixtures.randomBytes(100, 7);
		Path file = ChannelFixtures.write(this.root, "closing.bin", content).toRealPath();
		SeekableByteChannel channel = this.channels.open("closing", file, StandardOpenOption.READ);
		SeekableByteChannel duplicate = this.connections.duplicate(channel);
		assertThat(descriptorsOpenOn(descriptors, file)).isOne();
		channel.close();
		assertThat(descriptorsOpenOn(descriptors, file)).isOne();
		assertThat(duplicate.isOpen()).isTrue();
		ByteBuffer buffer = ByteBuffer.allocate(10);
		assertThat(duplicate.read(buffer)).isEqualTo(10);
		assertThat(buffer.array()).isEqualTo(Arrays.copyOf(content, 10));
		assertThat(ChannelFixtures.info(this.connections, "closing").references()).isOne();
		duplicate.close();
		assertThat(descriptorsOpenOn(descriptors, file)).isZero();
		assertThat(this.connections.find("closing")).isEmpty();
	}

	@Test
	@DisplayName("H10, H27: an input stream over http gives the whole file although its server restarts in the middle")
	void inputStreamOverHttpGivesTheWholeFileAcrossARestart() throws IOException {
		byte[] content = ChannelFixtures.randomBytes(8 * MIB, 10);
		ChannelFixtures.write(this.root, "stream.bin", content);
		HttpFileServer server = startServer();
		try (InputStream in = this.channels.openInputStream("stream", server.uri("stream.bin"))) {
			byte[] head = in.readNBytes(MIB);
			ChannelFixtures.restart(server);
			byte[] rest = in.readAllBytes();
			assertThat(head.length + rest.length).isEqualTo(content.length);
			assertThat(Arrays.mismatch(head, 0, head.length, content, 0, head.length)).isEqualTo(-1);
			assertThat(Arrays.mismatch(rest, 0, rest.length, content, head.length, content.length)).isEqualTo(-1);
			assertThat(ChannelFixtures.info(this.connections, "stream").recoveriesSucceeded()).isOne();
		}
		assertThat(this.connections.find("stream")).isEmpty();
	}

	@Test
	@DisplayName("H10, H27: a reader over http gives the whole text although its server restarts in the middle")
	void readerOverHttpGivesTheWholeTextAcrossARestart() throws IOException {
		StringBuilder text = new StringBuilder();
		for (int line = 0; text.length() < 8 * MIB; line++) {
			text.append("line ").append(line).append(": grüße über den Server hinweg\n");
		}
		Files.writeString(this.root.resolve("text.txt"), text, StandardCharsets.UTF_8);
		HttpFileServer server = startServer();
		StringWriter received = new StringWriter();
		try (Reader reader = this.channels.openReader("text", server.uri("text.txt"), StandardCharsets.UTF_8)) {
			char[] head = new char[MIB];
			int read = 0;
			while (read < head.length) {
				read += reader.read(head, read, head.length - read);
			}
			received.write(head);
			ChannelFixtures.restart(server);
			reader.transferTo(received);
			assertThat(ChannelFixtures.info(this.connections, "text").recoveriesSucceeded()).isOne();
		}
		assertThat(received.toString()).isEqualTo(text.toString());
	}

	@Test
	@DisplayName("H6: an output stream and a writer create the file, and append to it when asked")
	void outputStreamAndWriterWriteTheFile() throws IOException {
		Path bytes = this.root.resolve("bytes.bin");
		byte[] content = ChannelFixtures.randomBytes(100_000, 6);
		try (OutputStream out = this.channels.openOutputStream("bytes", bytes)) {
			assertThat(this.connections.find("bytes")).isPresent();
			out.write(content);
		}
		assertThat(bytes).hasBinaryContent(content);
		Path text = this.root.resolve("text.txt");
		try (Writer writer = this.channels.openWriter("text", text, StandardCharsets.UTF_8)) {
			writer.write("grüße\n");
		}
		try (Writer writer = this.channels.openWriter("appending", text, StandardCharsets.UTF_8,
				StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
			writer.write("noch einmal\n");
		}
		assertThat(text).content(StandardCharsets.UTF_8).isEqualTo("grüße\nnoch einmal\n");
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H23, H27: a reader interrupted in a read ends with ClosedByInterruptException, and the next user of the channel recovers it at its position")
	void interruptedReaderLeavesAChannelThatRecoversAtItsPosition() throws Exception {
		byte[] content = ChannelFixtures.randomBytes(MIB, 23);
		Path file = ChannelFixtures.write(this.root, "local.bin", content);
		SeekableByteChannel channel = this.channels.open("local", file, StandardOpenOption.READ);
		AtomicLong received = new AtomicLong();
		AtomicReference<Throwable> ended = new AtomicReference<>();
		AtomicBoolean interruptedAtTheEnd = new AtomicBoolean();
		Thread reader = new Thread(() -> {
			ByteBuffer buffer = ByteBuffer.allocate(16);
			try {
				while (true) {
					if (received.get() > content.length - 1024) {
						// Keeps the end of the file out of reach until interrupted.
						while (!Thread.currentThread().isInterrupted()) {
							Thread.onSpinWait();
						}
					}
					buffer.clear();
					received.addAndGet(channel.read(buffer));
				}
			}
			catch (Throwable ex) {
				interruptedAtTheEnd.set(Thread.currentThread().isInterrupted());
				ended.set(ex);
			}
		}, "interrupted-reader");
		reader.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> received.get() >= 1024);
		reader.interrupt();
		reader.join();
		assertThat(ended.get()).isInstanceOf(ClosedByInterruptException.class);
		assertThat(interruptedAtTheEnd).isTrue();
		assertThat(ChannelFixtures.info(this.connections, "local").recoveries()).isZero();
		long position = channel.position();
		assertThat(position).isEqualTo(received.get());
		ByteBuffer next = ByteBuffer.allocate(64);
		assertThat(channel.read(next)).isEqualTo(64);
		assertThat(next.array()).isEqualTo(Arrays.copyOfRange(content, (int) position, (int) position + 64));
		assertThat(channel.position()).isEqualTo(position + 64);
		ConnectionInfo info = ChannelFixtures.info(this.connections, "local");
		assertThat(info.recoveriesSucceeded()).isOne();
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.retransmissions()).isOne();
		channel.close();
	}

	@Test
	@DisplayName("H26: a recovery function moves the channel to a second server when the first stays down")
	void recoveryMovesTheChannelToASecondServer() throws IOException {
		byte[] content = ChannelFixtures.randomBytes(8 * MIB, 26);
		ChannelFixtures.write(this.root, "mirrored.bin", content);
		HttpFileServer primary = startServer();
		HttpFileServer mirror = startServer();
		URI elsewhere = mirror.uri("mirrored.bin");
		ChannelCursor cursor = new ChannelCursor(content);
		try (SeekableByteChannel channel = this.channels.open("mirrored", primary.uri("mirrored.bin"),
				(attachment) -> attachment.recovery((context) -> this.channels.reopen(context, elsewhere)))) {
			cursor.read(channel, MIB);
			primary.kill();
			cursor.read(channel, content.length);
			assertThat(cursor.offset()).isEqualTo(content.length);
			assertThat(ChannelFixtures.info(this.connections, "mirrored").recoveriesSucceeded()).isOne();
		}
		assertThat(primary.running()).isFalse();
		assertThat(mirror.rangeRequests()).isOne();
	}

	@Test
	@DisplayName("H12, H13: a read while the server is down waits, within the back-off budget, for the server to come back")
	void readWhileTheServerIsDownWaitsForItsReturn() throws Exception {
		byte[] content = ChannelFixtures.randomBytes(8 * MIB, 12);
		ChannelFixtures.write(this.root, "patient.bin", content);
		HttpFileServer server = startServer();
		ChannelCursor cursor = new ChannelCursor(content);
		try (SeekableByteChannel channel = this.channels.open("patient", server.uri("patient.bin"))) {
			cursor.read(channel, MIB);
			server.kill();
			AtomicReference<Throwable> failure = new AtomicReference<>();
			Thread reader = new Thread(() -> {
				try {
					cursor.read(channel, content.length);
				}
				catch (Throwable ex) {
					failure.set(ex);
				}
			}, "patient-reader");
			reader.start();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> !reader.isAlive()
						|| ChannelFixtures.info(this.connections, "patient").attemptsFailed() > 0);
			server.restart();
			reader.join();
			assertThat(failure.get()).isNull();
			assertThat(cursor.offset()).isEqualTo(content.length);
		}
	}

	@Test
	@DisplayName("H6: opening a local file that does not exist fails with NoSuchFileException and leaves nothing attached")
	void missingLocalFileFailsWithNoSuchFile() {
		Path missing = this.root.resolve("missing.bin");
		Throwable failure = catchThrowable(() -> this.channels.open("missing", missing, StandardOpenOption.READ));
		assertThat(failure).isInstanceOf(NoSuchFileException.class).hasMessageContaining(missing.toString());
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H6: opening a remote file that does not exist fails with FileNotFoundException naming the URI")
	void missingRemoteFileFailsWithFileNotFound() throws IOException {
		HttpFileServer server = startServer();
		URI missing = server.uri("missing.bin");
		Throwable failure = catchThrowable(() -> this.channels.open("missing", missing));
		assertThat(failure).isInstanceOf(FileNotFoundException.class).hasMessageContaining(missing.toString());
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H6: a URI of another scheme fails with IllegalArgumentException naming the URI")
	void uriOfAnotherSchemeIsRefused() {
		URI ftp = URI.create("ftp://127.0.0.1/data.bin");
		assertThatIllegalArgumentException().isThrownBy(() -> this.channels.open("ftp", ftp))
			.withMessageContaining("ftp://127.0.0.1/data.bin")
			.withMessageContaining("only file:, http: and https:");
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H8: a server that ignores a range request gives an ordinary error, the same object from the channel, without a recovery")
	void serverIgnoringRangesGivesAnOrdinaryError() throws IOException {
		ChannelFixtures.write(this.root, "whole.bin", ChannelFixtures.randomBytes(1000, 8));
		HttpFileServer server = startServer();
		server.ignoreRanges(true);
		List<Throwable> classified = new CopyOnWriteArrayList<>();
		StaleConnectionClassifier recording = (error) -> {
			classified.add(error);
			return StaleConnectionClassifier.defaults().isStale(error);
		};
		try (SeekableByteChannel channel = this.channels.open("whole", server.uri("whole.bin"),
				(attachment) -> attachment.classifier(recording))) {
			channel.position(100);
			Throwable failure = catchThrowable(() -> channel.read(ByteBuffer.allocate(10)));
			assertThat(failure).isExactlyInstanceOf(IOException.class)
				.hasMessageContaining("ignored the range request")
				.hasMessageContaining(server.uri("whole.bin").toString());
			assertThat(classified).singleElement().isSameAs(failure);
			assertThat(failure.getSuppressed()).isEmpty();
			assertThat(catchThrowable(() -> channel.read(ByteBuffer.allocate(10))))
				.isExactlyInstanceOf(IOException.class)
				.hasMessageContaining("ignored the range request");
			assertThat(ChannelFixtures.info(this.connections, "whole").recoveries()).isZero();
			assertThat(server.rangeRequests()).isEqualTo(2);
		}
	}

	@Test
	@DisplayName("H8: a server that refuses a valid range with 416 gives a clear ordinary error, without a recovery")
	void serverRefusingAValidRangeGivesAClearError() throws IOException {
		ChannelFixtures.write(this.root, "refused.bin", ChannelFixtures.randomBytes(1000, 9));
		HttpFileServer server = startServer();
		server.answer416(true);
		try (SeekableByteChannel channel = this.channels.open("refused", server.uri("refused.bin"))) {
			channel.position(100);
			Throwable failure = catchThrowable(() -> channel.read(ByteBuffer.allocate(10)));
			assertThat(failure).isExactlyInstanceOf(IOException.class)
				.hasMessageContaining("refused the range request")
				.hasMessageContaining("416");
			assertThat(ChannelFixtures.info(this.connections, "refused").recoveries()).isZero();
			assertThat(server.rangeRequests()).isOne();
		}
	}

	@Test
	@DisplayName("The credentials in a URI never appear in an error message")
	void credentialsOfTheUriNeverAppearInErrors() throws IOException {
		HttpFileServer server = startServer();
		URI remote = URI.create("http://user:secret@127.0.0.1:" + server.port() + "/missing.bin");
		URI ftp = URI.create("ftp://user:secret@127.0.0.1/data.bin");
		Throwable missing = catchThrowable(() -> this.channels.open("remote", remote));
		Throwable refused = catchThrowable(() -> this.channels.open("ftp", ftp));
		assertThat(missing).isInstanceOf(FileNotFoundException.class)
			.hasMessageContaining("http://127.0.0.1:" + server.port() + "/missing.bin");
		assertThat(refused).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("ftp://127.0.0.1/data.bin");
		assertThat(messagesOf(missing)).noneMatch((message) -> message.contains("secret"));
		assertThat(messagesOf(refused)).noneMatch((message) -> message.contains("secret"));
	}

	@Test
	@DisplayName("H7: a closed HA channel says it is closed and refuses I/O with ClosedChannelException, as every channel does")
	void closedChannelSaysItIsClosed() throws IOException {
		Path file = ChannelFixtures.write(this.root, "closed.bin", ChannelFixtures.randomBytes(10, 11));
		SeekableByteChannel channel = this.channels.open("closed", file, StandardOpenOption.READ);
		channel.close();
		assertThat(channel.isOpen()).isFalse();
		assertThat(catchThrowable(() -> channel.read(ByteBuffer.allocate(1))))
			.isInstanceOf(ClosedChannelException.class);
	}

	private HttpFileServer startServer() throws IOException {
		HttpFileServer server = HttpFileServer.start(this.root);
		this.servers.add(server);
		return server;
	}

	private static long descriptorsOpenOn(Path descriptors, Path file) throws IOException {
		try (Stream<Path> entries = Files.list(descriptors)) {
			return entries.filter((descriptor) -> pointsTo(descriptor, file)).count();
		}
	}

	private static boolean pointsTo(Path descriptor, Path file) {
		try {
			return Files.readSymbolicLink(descriptor).equals(file);
		}
		catch (IOException ex) {
			// A descriptor closed while the list is read points nowhere.
			return false;
		}
	}

	private static List<String> messagesOf(Throwable failure) {
		List<String> messages = new ArrayList<>();
		collectMessages(failure, messages);
		return messages;
	}

	private static void collectMessages(Throwable failure, List<String> messages) {
		for (Throwable error = failure; error != null && messages.size() < 100; error = error.getCause()) {
			messages.add(error.toString());
			for (Throwable suppressed : error.getSuppressed()) {
				collectMessages(suppressed, messages);
			}
		}
	}

}
