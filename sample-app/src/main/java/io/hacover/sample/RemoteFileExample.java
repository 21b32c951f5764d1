package io.hacover.sample;

import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;
import io.hacover.io.HaChannels;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.util.FileSystemUtils;

/**
 * The first example program of the C library's guide
 * ({@code sample.example=remote-file}): a remote file is opened HA-aware with a recovery
 * function whose handle counts every recovery, and read through duplicates while the file
 * server is killed and restarted. Along the way the recovery function is replaced through
 * a duplicate, the original is closed, and a second file is opened, duplicated and its
 * duplicate closed. At the end, the count kept in the handle is the count the table of HA
 * connections reports.
 * <p>
 * The files are large because a kill does not take back what the server had sent: up to a
 * few MiB on the loopback are still read before the reader sees the reset.
 */
final class RemoteFileExample implements ApplicationRunner {

	private static final int FILE_SIZE = 16 * 1024 * 1024;

	private static final int MIB = 1024 * 1024;

	private final HaChannels channels;

	private final HaConnections connections;

	private final ExampleResults results;

	private int restarts;

	RemoteFileExample(HaChannels channels, HaConnections connections, ExampleResults results) {
		this.channels = channels;
		this.connections = connections;
		this.results = results;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		Path directory = Files.createTempDirectory("hacover-remote-file-");
		try (EmbeddedHttpFileServer server = EmbeddedHttpFileServer.start(directory, 0)) {
			run(directory, server);
		}
		finally {
			FileSystemUtils.deleteRecursively(directory);
		}
	}

	private void run(Path directory, EmbeddedHttpFileServer server) throws Exception {
		FileCursor first = FileCursor.write(directory, "first.bin", FILE_SIZE, 1);
		FileCursor second = FileCursor.write(directory, "second.bin", FILE_SIZE, 2);
		System.out
			.println("serving first.bin and second.bin, %d bytes each, at %s".formatted(FILE_SIZE, server.uri("")));
		RecoveryCounter counter = new RecoveryCounter();
		RecoveryFunction<SeekableByteChannel> counting = (context) -> context.handle(RecoveryCounter.class)
			.recovered(context, "counting");
		RecoveryFunction<SeekableByteChannel> replacement = (context) -> context.handle(RecoveryCounter.class)
			.recovered(context, "replacement");

		SeekableByteChannel file = this.channels.open("first", server.uri("first.bin"),
				(attachment) -> attachment.recovery(counting).handle(counter));
		SeekableByteChannel duplicate = this.connections.duplicate(file);
		System.out.println(
				"opened 'first' with the counting recovery function and the counter as handle; " + "duplicated it");
		first.read(file, MIB);
		System.out.println("read through the original up to byte " + first.offset());
		restart(server);
		long read = first.readUntilRecovered(duplicate, this.connections, "first", 1);
		System.out.println("read %d bytes through the duplicate, up to byte %d; the original is at byte %d too"
			.formatted(read, first.offset(), file.position()));

		this.connections.replace(duplicate, replacement, counter);
		System.out.println("replaced the recovery function of 'first' through the duplicate");
		file.close();
		System.out.println("closed the original: 'first' is still open with %d reference"
			.formatted(FileCursor.info(this.connections, "first").references()));
		first.read(duplicate, MIB);
		System.out.println("read through the duplicate up to byte " + first.offset());

		SeekableByteChannel other = this.channels.open("second", server.uri("second.bin"),
				(attachment) -> attachment.recovery(counting).handle(counter));
		SeekableByteChannel otherDuplicate = this.connections.duplicate(other);
		otherDuplicate.close();
		System.out.println("opened 'second' with the counting recovery function and the same counter, "
				+ "duplicated it and closed the duplicate");
		second.read(other, MIB);
		System.out.println("read through 'second' up to byte " + second.offset());
		restart(server);
		read = first.readUntilRecovered(duplicate, this.connections, "first", 2);
		System.out
			.println("read %d bytes of first.bin through the duplicate, up to byte %d".formatted(read, first.offset()));
		read = second.readUntilRecovered(other, this.connections, "second", 1);
		System.out
			.println("read %d bytes of second.bin through 'second', up to byte %d".formatted(read, second.offset()));

		long reported = this.connections.connections().stream().mapToLong(ConnectionInfo::recoveries).sum();
		System.out.println(("total recoveries kept in the handle: %d (%d by the replaced function), "
				+ "reported by the table: %d")
			.formatted(counter.total(), counter.byReplacement(), reported));
		duplicate.close();
		other.close();
		if (counter.total() != reported || counter.byReplacement() < 1) {
			throw new IllegalStateException("the handle counted %d recoveries (%d by the replaced function), "
				.formatted(counter.total(), counter.byReplacement()) + "the table " + reported);
		}
		System.out.println("verified: %d bytes read across %d restarts, every one the file's"
			.formatted(first.offset() + second.offset(), this.restarts));
		this.results.completed(first.offset() + second.offset(), this.restarts, reported, counter.total());
	}

	private void restart(EmbeddedHttpFileServer server) throws Exception {
		server.kill();
		server.restart();
		this.restarts++;
		System.out.println("server killed and restarted");
	}

	/**
	 * The handle: counts the recoveries of every connection that shares it.
	 */
	private static final class RecoveryCounter {

		private final AtomicInteger total = new AtomicInteger();

		private final AtomicInteger byReplacement = new AtomicInteger();

		SeekableByteChannel recovered(RecoveryContext<SeekableByteChannel> context, String function) throws Exception {
			int count = this.total.incrementAndGet();
			if (function.equals("replacement")) {
				this.byReplacement.incrementAndGet();
			}
			System.out.println("  recovery %d, of '%s' by the %s function (attempt %d) after: %s".formatted(count,
					context.name(), function, context.attempt(), context.cause().getMessage()));
			return HaChannels.reopenAtPosition(context);
		}

		int total() {
			return this.total.get();
		}

		int byReplacement() {
			return this.byReplacement.get();
		}

	}

}
