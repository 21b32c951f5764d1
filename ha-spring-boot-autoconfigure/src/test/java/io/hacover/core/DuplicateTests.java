package io.hacover.core;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests of duplicated HA connections: one record, one recovery function, one handle, one
 * set of limits and counters, and a resource that closes with the last duplicate (H7,
 * H25).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DuplicateTests {

	private final HaConnections ha = FastSettings.table();

	private LineServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = LineServer.start();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H25: a duplicate is another HA connection that shares the record of the first")
	void duplicateIsAnotherConnectionOnTheSameRecord() throws Exception {
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("shared")
			.recovery(LineConnections.reconnecting(this.server)));
		LineClient duplicate = this.ha.duplicate(connection);
		assertThat(duplicate).isNotSameAs(connection).isNotEqualTo(connection);
		assertThat(this.ha.isHaAware(duplicate)).isTrue();
		assertThat(this.ha.control(duplicate).info()).isEqualTo(this.ha.control(connection).info());
		assertThat(this.ha.control(duplicate).info().references()).isEqualTo(2);
		assertThat(this.ha.connections()).singleElement()
			.satisfies((info) -> assertThat(info.name()).isEqualTo("shared"));
		LineClient third = this.ha.duplicate(duplicate);
		assertThat(this.ha.control(connection).info().references()).isEqualTo(3);
		assertThat(third.send("PING")).isEqualTo("PONG");
		assertThat(this.server.connectionsAccepted()).isOne();
	}

	@Test
	@DisplayName("H25: a duplicate shares the recovery function, the handle and the counters")
	void duplicateSharesRecoveryFunctionHandleAndCounters() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.recovery(recovery)
			.handle("the handle"));
		LineClient duplicate = this.ha.duplicate(connection);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		assertThat(duplicate.send("ECHO via the duplicate")).isEqualTo("via the duplicate");
		assertThat(connection.send("ECHO via the first")).isEqualTo("via the first");
		assertThat(recovery.calls()).isOne();
		assertThat(recovery.lastCall().handle()).isEqualTo("the handle");
		assertThat(this.ha.control(connection).info().recoveriesSucceeded()).isOne();
		assertThat(this.ha.control(connection).info().retransmissions()).isOne();
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
	}

	@Test
	@DisplayName("H25: limits set through a duplicate apply to the first connection too")
	void duplicateSharesTheLimits() throws Exception {
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		LineClient duplicate = this.ha.duplicate(connection);
		this.ha.control(duplicate).limitRecoveries(0);
		assertThat(this.ha.control(connection).info().maxRecoveries()).isZero();
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> connection.send("PING"));
		assertThat(recovery.calls()).isZero();
	}

	@Test
	@DisplayName("H25: replacing the recovery function through a duplicate changes it for both")
	void replacingThroughADuplicateChangesItForBoth() throws Exception {
		RecordingRecovery<LineClient> first = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), first);
		LineClient duplicate = this.ha.duplicate(connection);
		RecordingRecovery<LineClient> second = LineConnections.reconnecting(this.server);
		this.ha.replace(duplicate, second, "second handle");
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(first.calls()).isZero();
		assertThat(second.calls()).isOne();
		assertThat(second.lastCall().handle()).isEqualTo("second handle");
	}

	@Test
	@DisplayName("H7: the resource closes only with the last duplicate; the others stay usable and recoverable")
	void resourceClosesOnlyWithTheLastDuplicate() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("last").recovery(recovery));
		LineClient duplicate = this.ha.duplicate(connection);
		this.ha.close(connection);
		assertThat(resource.isOpen()).isTrue();
		assertThat(this.ha.find("last")).hasValueSatisfying((info) -> {
			assertThat(info.references()).isOne();
			assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		});
		assertThatIllegalStateException().isThrownBy(() -> connection.send("PING")).withMessageContaining("closed");
		assertThat(duplicate.send("PING")).isEqualTo("PONG");
		assertThat(this.ha.isHaAware(duplicate)).isTrue();
		LineConnections.restart(this.server);
		assertThat(duplicate.send("ECHO recovered")).isEqualTo("recovered");
		assertThat(recovery.calls()).isOne();
		SocketLineClient current = (SocketLineClient) recovery.lastResult();
		duplicate.close();
		assertThat(current.isOpen()).isFalse();
		assertThat(this.ha.find("last")).isEmpty();
		await().untilAsserted(() -> assertThat(this.server.openConnections()).isZero());
	}

	@Test
	@DisplayName("H7: closing the same duplicate twice fails and does not close the resource of the others")
	void closingTheSameDuplicateTwiceFails() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("twice")
			.recovery(LineConnections.reconnecting(this.server)));
		LineClient duplicate = this.ha.duplicate(connection);
		this.ha.close(connection);
		assertThatIllegalStateException().isThrownBy(() -> this.ha.close(connection))
			.withMessageContaining("'twice'")
			.withMessageContaining("already closed");
		assertThatIllegalStateException().isThrownBy(() -> this.ha.duplicate(connection))
			.withMessageContaining("closed");
		assertThat(resource.isOpen()).isTrue();
		assertThat(duplicate.send("PING")).isEqualTo("PONG");
		assertThat(this.ha.control(duplicate).info().references()).isOne();
		this.ha.close(duplicate);
		assertThat(resource.isOpen()).isFalse();
	}

	@Test
	@DisplayName("H7: calling close() on a closed HA connection again has no effect, as Closeable promises")
	void closingTheConnectionItselfTwiceHasNoEffect() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("closed-twice")
			.recovery(LineConnections.reconnecting(this.server)));
		LineClient duplicate = this.ha.duplicate(connection);
		connection.close();
		connection.close();
		assertThat(this.ha.control(duplicate).info().references()).isOne();
		assertThat(duplicate.send("PING")).isEqualTo("PONG");
		duplicate.close();
		assertThat(resource.isOpen()).isFalse();
	}

}
