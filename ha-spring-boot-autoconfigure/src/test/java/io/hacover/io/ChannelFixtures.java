package io.hacover.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryPolicy;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.testsupport.HttpFileServer;

/**
 * Tables, files and server restarts shared by the tests of the channel cover.
 */
final class ChannelFixtures {

	/**
	 * Back-off of a few milliseconds between recovery attempts, so that the tests spend
	 * their time reading rather than waiting.
	 */
	static final RecoveryPolicy POLICY = RecoveryPolicy.exponential(Duration.ofMillis(5), 2.0, Duration.ofMillis(100),
			50, Duration.ofSeconds(20), Duration.ZERO);

	private ChannelFixtures() {
	}

	static HaConnections table() {
		return HaConnections.create(ConnectionSettings.defaults().withPolicy(POLICY),
				StaleConnectionClassifier.defaults());
	}

	static byte[] randomBytes(int size, long seed) {
		byte[] bytes = new byte[size];
		new SplittableRandom(seed).nextBytes(bytes);
		return bytes;
	}

	static Path write(Path directory, String name, byte[] content) throws IOException {
		return Files.write(directory.resolve(name), content);
	}

	static ConnectionInfo info(HaConnections connections, String name) {
		return connections.find(name)
			.orElseThrow(() -> new AssertionError("no open HA connection is named '" + name + "'"));
	}

	/**
	 * Kills the server abruptly, cutting every body in transfer, and starts it again on
	 * the same port.
	 */
	static void restart(HttpFileServer server) throws IOException {
		server.kill();
		server.restart();
	}

}
