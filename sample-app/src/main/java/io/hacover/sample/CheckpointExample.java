package io.hacover.sample;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.io.HaChannels;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.util.FileSystemUtils;

/**
 * The second example program of the C library's guide
 * ({@code sample.example=checkpoint}): the handle of a remote file checkpoints the offset
 * after each read, and the recovery function rebuilds the reader's state from it: reopens
 * the file and seeks to the checkpoint. The file server is killed and restarted three
 * times while the file is read, and the reads go on with exactly the next bytes.
 */
final class CheckpointExample implements ApplicationRunner {

	private static final int FILE_SIZE = 16 * 1024 * 1024;

	private static final int RESTARTS = 3;

	private static final long RESTART_EVERY = 1024 * 1024;

	private final HaChannels channels;

	private final HaConnections connections;

	private final ExampleResults results;

	CheckpointExample(HaChannels channels, HaConnections connections, ExampleResults results) {
		this.channels = channels;
		this.connections = connections;
		this.results = results;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		Path directory = Files.createTempDirectory("hacover-checkpoint-");
		try (EmbeddedHttpFileServer server = EmbeddedHttpFileServer.start(directory, 0)) {
			run(directory, server);
		}
		finally {
			FileSystemUtils.deleteRecursively(directory);
		}
	}

	private void run(Path directory, EmbeddedHttpFileServer server) throws Exception {
		FileCursor records = FileCursor.write(directory, "records.bin", FILE_SIZE, 3);
		System.out.println("serving records.bin, %d bytes, at %s; the server is killed and restarted %d times"
			.formatted(FILE_SIZE, server.uri("records.bin"), RESTARTS));
		Checkpoint checkpoint = new Checkpoint();
		RecoveryFunction<SeekableByteChannel> seekToCheckpoint = (context) -> {
			long offset = context.handle(Checkpoint.class).restore();
			System.out.println("  recovery of '%s' (attempt %d) after: %s; reopening at the checkpoint, byte %d"
				.formatted(context.name(), context.attempt(), context.cause().getMessage(), offset));
			return context.reopen().position(offset);
		};
		int restarts = 0;
		try (SeekableByteChannel channel = this.channels.open("records", server.uri("records.bin"),
				(attachment) -> attachment.recovery(seekToCheckpoint).handle(checkpoint))) {
			ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
			long recovered = 0;
			for (int read = channel.read(buffer); read >= 0; read = channel.read(buffer)) {
				records.verify(buffer.array(), read, checkpoint.offset());
				long succeeded = FileCursor.info(this.connections, "records").recoveriesSucceeded();
				if (succeeded > recovered) {
					recovered = succeeded;
					System.out
						.println("  the read issued again after the recovery returned bytes %d to %d: the next ones"
							.formatted(checkpoint.offset(), checkpoint.offset() + read - 1));
				}
				checkpoint.advance(read);
				buffer.clear();
				if (restarts < RESTARTS && checkpoint.offset() >= (restarts + 1) * RESTART_EVERY
						&& recovered == restarts) {
					server.kill();
					server.restart();
					restarts++;
					System.out
						.println("checkpoint at byte %d; server killed and restarted".formatted(checkpoint.offset()));
				}
			}
			long recoveries = FileCursor.info(this.connections, "records").recoveries();
			System.out.println(("end of file at byte %d; %d restarts, %d recoveries (%d calls of the recovery "
					+ "function, each restored from the checkpoint)")
				.formatted(checkpoint.offset(), restarts, recovered, checkpoint.restores()));
			if (checkpoint.offset() != records.size() || restarts != RESTARTS || recovered != RESTARTS
					|| checkpoint.restores() != recoveries) {
				throw new IllegalStateException("read %d bytes of %d, %d restarts, %d recoveries, %d restores"
					.formatted(checkpoint.offset(), records.size(), restarts, recovered, checkpoint.restores()));
			}
			System.out.println("verified: every byte read was the file's byte at the checkpoint");
			this.results.completed(checkpoint.offset(), restarts, recoveries, checkpoint.restores());
		}
	}

	/**
	 * The handle: the offset the reader has reached, moved on after each read.
	 */
	private static final class Checkpoint {

		private volatile long offset;

		private final AtomicInteger restores = new AtomicInteger();

		long offset() {
			return this.offset;
		}

		void advance(int read) {
			this.offset += read;
		}

		long restore() {
			this.restores.incrementAndGet();
			return this.offset;
		}

		int restores() {
			return this.restores.get();
		}

	}

}
