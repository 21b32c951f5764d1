package io.hacover.core;

import java.io.IOException;
import java.time.Duration;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;

/**
 * Connects to a {@link LineServer}, recovers by connecting again, and makes the server
 * die and come back on the same port, so that every open connection goes stale.
 */
final class LineConnections {

	static final String HOST = "127.0.0.1";

	static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

	private LineConnections() {
	}

	static SocketLineClient connect(LineServer server) throws IOException {
		return SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT);
	}

	static CapturingLineClient connectCapturing(LineServer server) throws IOException {
		return new CapturingLineClient(connect(server));
	}

	static RecordingRecovery<LineClient> reconnecting(LineServer server) {
		return RecordingRecovery.of((context) -> connect(server));
	}

	static void restart(LineServer server) throws IOException {
		server.kill();
		server.restart();
	}

}
