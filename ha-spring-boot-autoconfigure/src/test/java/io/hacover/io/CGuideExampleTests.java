package io.hacover.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.testsupport.HttpFileServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two example programs of the C library's guide, ported to HA channels and run
 * against a real HTTP file server that is killed and restarted between reads: a remote
 * file read through duplicates with a counting recovery function (H3, H7, H9, H25, H26),
 * and a reader that keeps its offset in the handle so that its recovery function can
 * rebuild the state (H27).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CGuideExampleTests {

	private static final int FILE_SIZE = 32 * 1024 * 1024;

	private static final int MIB = 1024 * 1024;

	@TempDir
	Path root;

	private final HaConnections connections = ChannelFixtures.table();

	private final HaChannels channels = new HaChannels(this.connections);

	private HttpFileServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = HttpFileServer.start(this.root);
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H3, H7, H9, H25: example 1: duplicates of remote files read on across restarts, and the handle counts every recovery the table reports")
	void firstExampleCountsItsRecoveriesInTheHandle() throws Exception {
		byte[] first = ChannelFixtures.randomBytes(FILE_SIZE, 1);
		byte[] second = ChannelFixtures.randomBytes(FILE_SIZE, 2);
		ChannelFixtures.write(this.root, "first.bin", first);
		ChannelFixtures.write(this.root, "second.bin", second);
		RecoveryCounter counter = new RecoveryCounter();
		RecoveryFunction<SeekableByteChannel> counting = (context) -> {
			context.handle(RecoveryCounter.class).recovered();
			return HaChannels.reopenAtPosition(context);
		};
		RecoveryFunction<SeekableByteChannel> replacement = (context) -> {
			context.handle(RecoveryCounter.class).recoveredByReplacement();
			return HaChannels.reopenAtPosition(context);
		};
		ChannelCursor firstCursor = new ChannelCursor(first);
		ChannelCursor secondCursor = new ChannelCursor(second);

		SeekableByteChannel file = this.channels.open("first", this.server.uri("first.bin"),
				(attachment) -> attachment.recovery(counting).handle(counter));
		SeekableByteChannel duplicate = this.connections.duplicate(file);
		firstCursor.read(file, MIB);
		ChannelFixtures.restart(this.server);
		firstCursor.readUntilRecovered(duplicate, this.connections, "first", 1);
		assertThat(file.position()).isEqualTo(firstCursor.offset());
		assertThat(counter.total()).isOne();

		this.connections.replace(duplicate, replacement, counter);
		file.close();
		assertThat(ChannelFixtures.info(this.connections, "first").references()).isOne();
		firstCursor.read(duplicate, MIB);

		SeekableByteChannel other = this.channels.open("second", this.server.uri("second.bin"),
				(attachment) -> attachment.recovery(counting).handle(counter));
		SeekableByteChannel otherDuplicate = this.connections.duplicate(other);
		otherDuplicate.close();
		secondCursor.read(other, MIB);
		ChannelFixtures.restart(this.server);
		firstCursor.readUntilRecovered(duplicate, this.connections, "first", 2);
		secondCursor.readUntilRecovered(other, this.connections, "second", 1);

		long reported = this.connections.connections().stream().mapToLong(ConnectionInfo::recoveries).sum();
		System.out.println(
				"total recoveries kept in the handle: " + counter.total() + ", reported by the table: " + reported);
		assertThat(counter.total()).isEqualTo(reported).isEqualTo(3);
		assertThat(counter.byReplacement()).as("recoveries of 'first' by the function replaced through its duplicate")
			.isOne();
		duplicate.close();
		other.close();
		assertThat(this.connections.connections()).isEmpty();
	}

	@Test
	@DisplayName("H27: example 2: the handle checkpoints the offset after each read, and the recovery reopens and seeks there")
	void secondExampleRebuildsTheOffsetFromTheHandle() throws Exception {
		byte[] content = ChannelFixtures.randomBytes(FILE_SIZE, 3);
		ChannelFixtures.write(this.root, "records.bin", content);
		Checkpoint checkpoint = new Checkpoint();
		RecoveryFunction<SeekableByteChannel> seekToCheckpoint = (context) -> {
			long offset = context.handle(Checkpoint.class).offset();
			SeekableByteChannel fresh = context.reopen();
			return fresh.position(offset);
		};
		int restarts = 0;
		try (SeekableByteChannel channel = this.channels.open("records", this.server.uri("records.bin"),
				(attachment) -> attachment.recovery(seekToCheckpoint).handle(checkpoint))) {
			ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
			for (int read = channel.read(buffer); read >= 0; read = channel.read(buffer)) {
				int from = (int) checkpoint.offset();
				assertThat(Arrays.mismatch(buffer.array(), 0, read, content, from, from + read))
					.as("index of the first wrong byte of the %d bytes read at offset %d", read, from)
					.isEqualTo(-1);
				checkpoint.advance(read);
				buffer.clear();
				long recovered = ChannelFixtures.info(this.connections, "records").recoveriesSucceeded();
				if (restarts < 3 && checkpoint.offset() >= (restarts + 1) * 2L * MIB && recovered == restarts) {
					ChannelFixtures.restart(this.server);
					restarts++;
				}
			}
			assertThat(restarts).isEqualTo(3);
			assertThat(ChannelFixtures.info(this.connections, "records").recoveriesSucceeded()).isEqualTo(3);
		}
		assertThat(checkpoint.offset()).isEqualTo(content.length);
	}

	/**
	 * The handle of the first example: counts the recoveries of the connections that
	 * share it.
	 */
	private static final class RecoveryCounter {

		private final AtomicInteger total = new AtomicInteger();

		private final AtomicInteger byReplacement = new AtomicInteger();

		void recovered() {
			this.total.incrementAndGet();
		}

		void recoveredByReplacement() {
			this.byReplacement.incrementAndGet();
			this.total.incrementAndGet();
		}

		int total() {
			return this.total.get();
		}

		int byReplacement() {
			return this.byReplacement.get();
		}

	}

	/**
	 * The handle of the second example: the offset the reader has reached.
	 */
	private static final class Checkpoint {

		private volatile long offset;

		long offset() {
			return this.offset;
		}

		void advance(int read) {
			this.offset += read;
		}

	}

}
