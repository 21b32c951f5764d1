package io.hacover.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.HttpFileServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of a long read through an HA channel whose HTTP server is killed and restarted
 * again and again: every restart costs one recovery and not a byte is lost or repeated
 * (H10, H13, H27).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LargeFileRecoveryTests {

	private static final int FILE_SIZE = 64 * 1024 * 1024;

	private static final int BUFFER_SIZE = 256 * 1024;

	private static final long KILL_EVERY = 6 * 1024 * 1024;

	private static final int RESTARTS = 10;

	@TempDir
	Path root;

	private final HaConnections connections = ChannelFixtures.table();

	private final HaChannels channels = new HaChannels(this.connections);

	private HttpFileServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	@DisplayName("H10, H27: a 64 MiB file read over http arrives byte-identical although its server restarts 10 times, one recovery each")
	void largeFileArrivesIntactThroughTenServerRestarts() throws Exception {
		byte[] written = writeRandomFile(this.root.resolve("large.bin"));
		this.server = HttpFileServer.start(this.root);
		MessageDigest received = MessageDigest.getInstance("SHA-256");
		long total = 0;
		int restarts = 0;
		try (SeekableByteChannel channel = this.channels.open("large", this.server.uri("large.bin"))) {
			ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
			for (int read = channel.read(buffer); read >= 0; read = channel.read(buffer)) {
				buffer.flip();
				received.update(buffer);
				buffer.clear();
				total += read;
				long recovered = this.connections.find("large").orElseThrow().recoveriesSucceeded();
				assertThat(recovered).as("recoveries after %d restarts", restarts).isLessThanOrEqualTo(restarts);
				if (restarts < RESTARTS && total >= (restarts + 1) * KILL_EVERY && recovered == restarts) {
					ChannelFixtures.restart(this.server);
					restarts++;
				}
			}
			assertThat(channel.position()).isEqualTo(FILE_SIZE);
			ConnectionInfo info = this.connections.find("large").orElseThrow();
			assertThat(restarts).isEqualTo(RESTARTS);
			assertThat(info.recoveriesSucceeded()).isEqualTo(RESTARTS);
			assertThat(info.recoveriesFailed()).isZero();
		}
		assertThat(total).isEqualTo(FILE_SIZE);
		assertThat(received.digest()).isEqualTo(written);
		assertThat(this.server.rangeRequests()).isEqualTo(RESTARTS);
	}

	/**
	 * Writes {@link #FILE_SIZE} random bytes to the file.
	 * @return their SHA-256
	 */
	private static byte[] writeRandomFile(Path file) throws IOException, NoSuchAlgorithmException {
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		SplittableRandom random = new SplittableRandom(64);
		byte[] chunk = new byte[1024 * 1024];
		try (OutputStream out = Files.newOutputStream(file)) {
			for (int written = 0; written < FILE_SIZE; written += chunk.length) {
				random.nextBytes(chunk);
				digest.update(chunk);
				out.write(chunk);
			}
		}
		return digest.digest();
	}

}
