package io.hacover.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Threads that read or write through duplicates of one HA channel at once, many small
 * transfers each: the shared position stays exact, as a duplicated descriptor's offset
 * does in the kernel, and a recovery in the middle seeks back to exactly where the file
 * was (H34).
 * <p>
 * Every record of the files is eight bytes holding a number, so that each record read or
 * written can be told apart: a position that lost an update makes a recovery read records
 * twice or write over records already written.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedPositionTests {

	private static final int THREADS = 6;

	private static final int INTERRUPTED = 3;

	private static final int RECORD = Long.BYTES;

	@TempDir
	Path root;

	private final HaConnections connections = ChannelFixtures.table();

	private final HaChannels channels = new HaChannels(this.connections);

	private final List<SeekableByteChannel> duplicates = new ArrayList<>();

	@AfterEach
	void closeDuplicates() throws IOException {
		for (SeekableByteChannel duplicate : this.duplicates) {
			duplicate.close();
		}
	}

	@Test
	@DisplayName("H34: threads reading through duplicates of one HA channel read every record once, and the "
			+ "channel's position is the number of bytes they read")
	void concurrentReadsKeepThePositionExact() throws Exception {
		int records = 1_000_000;
		Path file = numberedFile("read.bin", records);
		// A lost update needs two threads to count their reads at the same instant: a
		// few rounds make that near certain when positions are not kept exact.
		for (int round = 0; round < 8; round++) {
			SeekableByteChannel channel = this.channels.open("shared-" + round, file, StandardOpenOption.READ);
			List<Worker> readers = start(channel, Reader::new);
			join(readers);
			assertThat(readers).allSatisfy((reader) -> assertThat(reader.failure).isNull());
			assertThat(transferred(readers)).isEqualTo(Files.size(file));
			assertThat(channel.position()).as("position after round %d", round).isEqualTo(Files.size(file));
			assertEachOnce(readers, records);
		}
	}

	@Test
	@DisplayName("H34: when threads reading through duplicates are interrupted one by one, each recovery seeks "
			+ "back to the exact shared position: every record is read once and the position is exact")
	void recoveryAmidConcurrentReadsSeeksToTheExactPosition() throws Exception {
		int records = 2_000_000;
		Path file = numberedFile("read.bin", records);
		SeekableByteChannel channel = this.channels.open("shared", file, StandardOpenOption.READ);
		List<Worker> readers = start(channel, Reader::new);
		interruptOneByOne(readers, Files.size(file));
		join(readers);
		assertThat(readers.subList(0, INTERRUPTED))
			.allSatisfy((reader) -> assertThat(reader.failure).isInstanceOf(ClosedByInterruptException.class));
		assertThat(readers.subList(INTERRUPTED, THREADS)).allSatisfy((reader) -> assertThat(reader.failure).isNull());
		assertThat(transferred(readers)).isEqualTo(Files.size(file));
		assertThat(channel.position()).isEqualTo(Files.size(file));
		assertEachOnce(readers, records);
		ConnectionInfo info = ChannelFixtures.info(this.connections, "shared");
		assertThat(info.recoveriesSucceeded()).isEqualTo(INTERRUPTED);
		assertThat(info.recoveriesFailed()).isZero();
	}

	@Test
	@DisplayName("H34: when threads writing through duplicates are interrupted one by one, each recovery seeks "
			+ "back to the exact shared position: no record is written over, and the position is the file's size")
	void recoveryAmidConcurrentWritesSeeksToTheExactPosition() throws Exception {
		int perWriter = 400_000;
		Path file = this.root.resolve("written.bin");
		SeekableByteChannel channel = this.channels.create("shared", file);
		// The writers to be interrupted have no quota of their own, so that none can
		// finish
		// before its interrupt comes, whichever writer the lock favours.
		List<Worker> writers = start(channel, (number, duplicate) -> new Writer(number, duplicate,
				(number < INTERRUPTED) ? Integer.MAX_VALUE : perWriter));
		interruptOneByOne(writers, (long) THREADS * perWriter * RECORD);
		join(writers);
		assertThat(writers.subList(0, INTERRUPTED))
			.allSatisfy((writer) -> assertThat(writer.failure).isInstanceOf(ClosedByInterruptException.class));
		assertThat(writers.subList(INTERRUPTED, THREADS)).allSatisfy((writer) -> {
			assertThat(writer.failure).isNull();
			assertThat(writer.records()).isEqualTo(perWriter);
		});
		long written = transferred(writers);
		assertThat(channel.position()).isEqualTo(written);
		assertThat(Files.size(file)).isEqualTo(written);
		Map<Long, Integer> inFile = new HashMap<>();
		ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(file));
		while (content.hasRemaining()) {
			inFile.merge(content.getLong(), 1, Integer::sum);
		}
		Map<Long, Integer> expected = new HashMap<>();
		writers.forEach((writer) -> writer.forEachRecord((value) -> expected.put(value, 1)));
		assertThat(inFile).isEqualTo(expected);
		assertThat(ChannelFixtures.info(this.connections, "shared").recoveriesSucceeded()).isEqualTo(INTERRUPTED);
	}

	private Path numberedFile(String name, int records) throws IOException {
		ByteBuffer content = ByteBuffer.allocate(records * RECORD);
		for (long i = 0; i < records; i++) {
			content.putLong(i);
		}
		return ChannelFixtures.write(this.root, name, content.array());
	}

	/**
	 * Starts one worker per duplicate: the channel itself and {@code THREADS - 1}
	 * duplicates of it.
	 */
	private List<Worker> start(SeekableByteChannel channel, WorkerFactory factory) {
		this.duplicates.add(channel);
		List<Worker> workers = new ArrayList<>();
		for (int number = 0; number < THREADS; number++) {
			SeekableByteChannel duplicate = (number == 0) ? channel : this.connections.duplicate(channel);
			if (number > 0) {
				this.duplicates.add(duplicate);
			}
			workers.add(factory.create(number, duplicate));
		}
		workers.forEach(Thread::start);
		return workers;
	}

	/**
	 * Interrupts the first {@link #INTERRUPTED} workers one by one, each once the others
	 * made progress after the last recovery: each interrupt closes the file channel under
	 * every duplicate, so that the other workers fail stale and one of them recovers the
	 * connection.
	 */
	private static void interruptOneByOne(List<Worker> workers, long total) {
		for (int i = 0; i < INTERRUPTED; i++) {
			long due = total * (i + 1) / (INTERRUPTED + 1);
			await().atMost(Duration.ofSeconds(20)).until(() -> transferred(workers) >= due);
			workers.get(i).interrupt();
		}
	}

	private static void join(List<Worker> workers) throws InterruptedException {
		for (Worker worker : workers) {
			worker.join();
		}
	}

	private static long transferred(List<Worker> workers) {
		return workers.stream().mapToLong((worker) -> worker.transferred.get()).sum();
	}

	private static void assertEachOnce(List<Worker> readers, int records) {
		int[] times = new int[records];
		readers.forEach((reader) -> reader.forEachRecord((value) -> times[Math.toIntExact(value)]++));
		List<Integer> notOnce = new ArrayList<>();
		for (int i = 0; i < records && notOnce.size() < 10; i++) {
			if (times[i] != 1) {
				notOnce.add(i);
			}
		}
		assertThat(notOnce).as("records (at most 10) not read exactly once").isEmpty();
	}

	@FunctionalInterface
	private interface WorkerFactory {

		Worker create(int number, SeekableByteChannel duplicate);

	}

	@FunctionalInterface
	private interface RecordConsumer {

		void accept(long value);

	}

	/**
	 * A thread that transfers records through one duplicate and remembers the values it
	 * transferred, and the error that ended it, if any.
	 */
	private abstract static class Worker extends Thread {

		final AtomicLong transferred = new AtomicLong();

		private final SeekableByteChannel channel;

		private long[] values = new long[1024];

		private int count;

		volatile Throwable failure;

		Worker(String name, SeekableByteChannel channel) {
			super(name);
			this.channel = channel;
		}

		@Override
		public void run() {
			ByteBuffer buffer = ByteBuffer.allocate(RECORD);
			try {
				while (true) {
					buffer.clear();
					long value = transfer(this.channel, buffer);
					if (value < 0) {
						return;
					}
					if (this.count == this.values.length) {
						this.values = Arrays.copyOf(this.values, this.count * 2);
					}
					this.values[this.count++] = value;
					this.transferred.addAndGet(RECORD);
				}
			}
			catch (Throwable ex) {
				this.failure = ex;
			}
		}

		/**
		 * Transfers one record.
		 * @return the record's value, or -1 when done
		 */
		abstract long transfer(SeekableByteChannel channel, ByteBuffer buffer) throws IOException;

		int records() {
			return this.count;
		}

		void forEachRecord(RecordConsumer consumer) {
			for (int i = 0; i < this.count; i++) {
				consumer.accept(this.values[i]);
			}
		}

	}

	private static final class Reader extends Worker {

		Reader(int number, SeekableByteChannel channel) {
			super("reader-" + number, channel);
		}

		@Override
		long transfer(SeekableByteChannel channel, ByteBuffer buffer) throws IOException {
			int read = channel.read(buffer);
			if (read < 0) {
				return -1;
			}
			if (read != RECORD) {
				throw new IllegalStateException("read " + read + " bytes, not one record of " + RECORD);
			}
			return buffer.getLong(0);
		}

	}

	private static final class Writer extends Worker {

		private final long first;

		private final int quota;

		private int next;

		Writer(int number, SeekableByteChannel channel, int quota) {
			super("writer-" + number, channel);
			this.first = number * 1_000_000_000L;
			this.quota = quota;
		}

		@Override
		long transfer(SeekableByteChannel channel, ByteBuffer buffer) throws IOException {
			if (this.next == this.quota) {
				return -1;
			}
			long value = this.first + this.next;
			buffer.putLong(0, value);
			int written = channel.write(buffer);
			if (written != RECORD) {
				throw new IllegalStateException("wrote " + written + " bytes, not one record of " + RECORD);
			}
			this.next++;
			return value;
		}

	}

}
