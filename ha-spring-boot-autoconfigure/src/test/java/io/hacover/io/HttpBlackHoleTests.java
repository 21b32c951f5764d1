package io.hacover.io;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.StaleConnectionException;
import io.hacover.testsupport.HttpFileServer;
import io.hacover.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An HA http channel whose server is black-holed in the middle of a body (packets
 * dropped, no reset): the read that waits for the rest of the body becomes a stale error
 * within the read timeout instead of hanging, and the recovery resumes the body with a
 * {@code Range} request once the network heals (H35).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpBlackHoleTests {

	private static final int MIB = 1024 * 1024;

	private static final Duration READ_TIMEOUT = Duration.ofMillis(500);

	@TempDir
	Path root;

	private final HaConnections connections = ChannelFixtures.table();

	private final HaChannels channels = new HaChannels(this.connections).withTimeout(READ_TIMEOUT);

	private final ExecutorService readers = Executors.newSingleThreadExecutor();

	private HttpFileServer server;

	private TcpFaultProxy proxy;

	@BeforeEach
	void startServerAndProxy() throws IOException {
		this.server = HttpFileServer.start(this.root);
		this.proxy = TcpFaultProxy.start(this.server.port());
	}

	@AfterEach
	void stopEverything() {
		this.readers.shutdownNow();
		this.proxy.close();
		this.server.close();
	}

	@Test
	@DisplayName("H35: a body whose server is black-holed after its first mebibyte becomes a stale error within the "
			+ "read timeout, and the recovery resumes it with a Range request: every byte arrives")
	void blackHoledBodyBecomesStaleAndResumesWithARange() throws Exception {
		byte[] content = ChannelFixtures.randomBytes(8 * MIB, 35);
		ChannelFixtures.write(this.root, "body.bin", content);
		URI throughProxy = URI.create("http://127.0.0.1:" + this.proxy.port() + "/body.bin");
		ChannelCursor cursor = new ChannelCursor(content);
		try (SeekableByteChannel channel = this.channels.open("body", throughProxy)) {
			assertThat(cursor.read(channel, MIB)).isEqualTo(MIB);
			this.proxy.blackHole(true);
			Future<Integer> rest = this.readers.submit(() -> cursor.read(channel, content.length));
			// Bounds the wait for a read that would hang for ever; not a measure of
			// speed.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> ChannelFixtures.info(this.connections, "body").lastFailure() != null);
			this.proxy.blackHole(false);
			rest.get(30, TimeUnit.SECONDS);
			assertThat(cursor.offset()).isEqualTo(content.length);
			ConnectionInfo info = ChannelFixtures.info(this.connections, "body");
			assertThat(info.lastFailure().type()).isEqualTo(StaleConnectionException.class.getName());
			assertThat(info.lastFailure().message()).contains("no data").contains("/body.bin");
			assertThat(info.recoveriesSucceeded()).isOne();
		}
		assertThat(this.server.rangeRequests()).isOne();
	}

}
