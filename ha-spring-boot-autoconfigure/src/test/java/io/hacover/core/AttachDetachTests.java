package io.hacover.core;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests of attaching, replacing, detaching, opening and closing HA connections (H1 to H3,
 * H5 to H7) against a real {@link LineServer}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AttachDetachTests {

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
	@DisplayName("H1: a resource that was not attached fails as without the library, while an attached one recovers")
	void onlyAttachedResourcesAreRecovered() throws Exception {
		SocketLineClient plain = LineConnections.connect(this.server);
		SocketLineClient behind = LineConnections.connect(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, behind, recovery);
		assertThat(this.ha.isHaAware(connection)).isTrue();
		assertThat(this.ha.isHaAware(plain)).isFalse();
		assertThat(this.ha.isHaAware(behind)).isFalse();
		LineConnections.restart(this.server);
		assertThatIOException().isThrownBy(() -> plain.send("PING"));
		assertThatIOException().isThrownBy(() -> behind.send("PING"));
		assertThat(recovery.calls()).isZero();
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isOne();
	}

	@Test
	@DisplayName("H1: an HA connection of one table is not HA-aware for another table")
	void connectionOfAnotherTableIsNotHaAware() throws Exception {
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server),
				LineConnections.reconnecting(this.server));
		HaConnections other = FastSettings.table();
		assertThat(other.isHaAware(connection)).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> other.detach(connection))
			.withMessageContaining("not an HA connection of this table");
		assertThat(other.connections()).isEmpty();
	}

	@Test
	@DisplayName("H2: attaching an HA connection again fails with an error that names it, and nothing changes")
	void attachingAnHaConnectionAgainFailsAndNamesIt() throws Exception {
		RecordingRecovery<LineClient> first = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("orders")
			.recovery(first)
			.handle("first"));
		RecordingRecovery<LineClient> second = LineConnections.reconnecting(this.server);
		assertThatIllegalStateException().isThrownBy(() -> this.ha.attach(LineClient.class, connection, second))
			.withMessageContaining("'orders'")
			.withMessageContaining("already HA-aware");
		assertThat(this.ha.connections()).extracting(ConnectionInfo::name).containsExactly("orders");
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(second.calls()).isZero();
		assertThat(first.calls()).isOne();
		assertThat(first.lastCall().handle()).isEqualTo("first");
	}

	@Test
	@DisplayName("H2: attaching the resource of an HA connection again fails with an error that names the connection")
	void attachingTheSameResourceAgainFailsAndNamesTheConnection() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("orders")
			.recovery(LineConnections.reconnecting(this.server)));
		assertThatIllegalStateException().isThrownBy(() -> this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("other")
			.recovery(LineConnections.reconnecting(this.server)))).withMessageContaining("'orders'");
		assertThat(this.ha.find("other")).isEmpty();
		assertThat(this.ha.connections()).extracting(ConnectionInfo::name).containsExactly("orders");
	}

	@Test
	@DisplayName("H3: replace swaps the recovery function and the handle; limits, counters and state stay")
	void replaceSwapsFunctionAndHandleButKeepsLimitsCountersAndState() throws Exception {
		RecordingRecovery<LineClient> first = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("replaced")
			.recovery(first)
			.handle("first handle"));
		this.ha.control(connection).limitRecoveries(5).limitConsecutiveFailures(4);
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		ConnectionInfo before = this.ha.control(connection).info();
		RecordingRecovery<LineClient> second = LineConnections.reconnecting(this.server);
		assertThat(this.ha.replace(connection, second, "second handle")).isSameAs(connection);
		assertThat(this.ha.control(connection).info()).usingRecursiveComparison()
			.ignoringFields("recovery")
			.isEqualTo(before);
		assertThat(this.ha.control(connection).info().recovery()).isEqualTo(second.description());
		LineConnections.restart(this.server);
		assertThat(connection.send("ECHO after replace")).isEqualTo("after replace");
		assertThat(first.calls()).isOne();
		assertThat(second.calls()).isOne();
		assertThat(second.lastCall().handle()).isEqualTo("second handle");
		ConnectionInfo after = this.ha.control(connection).info();
		assertThat(after.recoveriesSucceeded()).isEqualTo(2);
		assertThat(after.retransmissions()).isEqualTo(2);
		assertThat(after.maxRecoveries()).isEqualTo(5);
		assertThat(after.maxConsecutiveFailures()).isEqualTo(4);
	}

	@Test
	@DisplayName("H3: attaching with the replace option keeps a failed connection failed")
	void attachWithReplaceOptionKeepsTheState() throws Exception {
		Probe connection = this.ha.attach(Attachment.of(Probe.class, Probe.dead())
			.name("failing")
			.recovery((context) -> null)
			.settings(FastSettings.withAttempts(1)));
		assertThatIOException().isThrownBy(() -> connection.call("x"));
		ConnectionInfo failed = this.ha.control(connection).info();
		assertThat(failed.state()).isEqualTo(ConnectionState.FAILED);
		RecordingRecovery<Probe> repair = RecordingRecovery.of((context) -> Probe.answering("repaired"));
		Probe same = this.ha.attach(Attachment.of(Probe.class, connection).recovery(repair).handle("h").replace());
		assertThat(same).isSameAs(connection);
		assertThat(this.ha.control(connection).info()).usingRecursiveComparison()
			.ignoringFields("recovery")
			.isEqualTo(failed);
		assertThat(this.ha.control(connection).info().recovery()).isEqualTo(repair.description());
		assertThat(connection.call("x")).isEqualTo("repaired:x");
		assertThat(repair.lastCall().handle()).isEqualTo("h");
	}

	@Test
	@DisplayName("H3: replacing on a resource that is not an HA connection fails with a clear error")
	void replacingOnAPlainResourceFails() throws Exception {
		SocketLineClient plain = LineConnections.connect(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		assertThatIllegalArgumentException().isThrownBy(() -> this.ha.replace(plain, recovery, null))
			.withMessageContaining("not an HA connection");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.ha.attach(Attachment.of(LineClient.class, plain).recovery(recovery).replace()))
			.withMessageContaining("not an HA connection");
		assertThat(this.ha.connections()).isEmpty();
		assertThat(this.ha.isHaAware(plain)).isFalse();
	}

	@Test
	@DisplayName("H3: replacing on a detached connection fails with a clear error")
	void replacingOnADetachedConnectionFails() throws Exception {
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("gone")
			.recovery(LineConnections.reconnecting(this.server)));
		this.ha.detach(connection);
		assertThatIllegalStateException()
			.isThrownBy(() -> this.ha.replace(connection, LineConnections.reconnecting(this.server), null))
			.withMessageContaining("'gone'")
			.withMessageContaining("not attached");
	}

	@Test
	@DisplayName("H5: after detach, errors reach the caller unchanged and no recovery runs")
	void detachedConnectionPassesErrorsThroughAndDoesNotRecover() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("detached").recovery(recovery));
		this.ha.detach(connection);
		assertThat(this.ha.isHaAware(connection)).isFalse();
		assertThat(connection.send("PING")).isEqualTo("PONG");
		LineConnections.restart(this.server);
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(thrown).isInstanceOf(IOException.class).isSameAs(resource.lastFailure());
		assertThat(thrown.getSuppressed()).isEmpty();
		assertThat(recovery.calls()).isZero();
		ConnectionInfo info = this.ha.control(connection).info();
		assertThat(info.state()).isEqualTo(ConnectionState.DETACHED);
		assertThat(info.recoveries()).isZero();
		assertThat(info.lastFailure()).isNull();
	}

	@Test
	@DisplayName("H5: detaching a connection that is not attached fails with a clear error")
	void detachingAConnectionThatIsNotAttachedFails() throws Exception {
		SocketLineClient plain = LineConnections.connect(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("twice")
			.recovery(LineConnections.reconnecting(this.server)));
		this.ha.detach(connection);
		assertThatIllegalStateException().isThrownBy(() -> this.ha.detach(connection))
			.withMessageContaining("'twice'")
			.withMessageContaining("not attached");
		assertThatIllegalArgumentException().isThrownBy(() -> this.ha.detach(plain))
			.withMessageContaining("not an HA connection");
	}

	@Test
	@DisplayName("H5: a detached connection attached again recovers with the new function")
	void detachedConnectionAttachedAgainRecovers() throws Exception {
		RecordingRecovery<LineClient> first = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), first);
		this.ha.detach(connection);
		RecordingRecovery<LineClient> second = LineConnections.reconnecting(this.server);
		assertThat(this.ha.attach(LineClient.class, connection, second)).isSameAs(connection);
		assertThat(this.ha.isHaAware(connection)).isTrue();
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(first.calls()).isZero();
		assertThat(second.calls()).isOne();
	}

	@Test
	@DisplayName("H6: open opens the resource and attaches it")
	void openOpensAndAttaches() throws Exception {
		LineClient connection = this.ha
			.open(Attachment.opening(LineClient.class, () -> LineConnections.connect(this.server)).name("opened"));
		assertThat(this.ha.isHaAware(connection)).isTrue();
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(this.ha.find("opened"))
			.hasValueSatisfying((info) -> assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED));
		LineConnections.restart(this.server);
		assertThat(connection.send("ECHO reopened")).isEqualTo("reopened");
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
	}

	@Test
	@DisplayName("H6: when the attach after an open fails, the opened resource is closed before the error is thrown")
	void openWhoseAttachFailsClosesTheOpenedResource() throws Exception {
		this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("taken")
			.recovery(LineConnections.reconnecting(this.server)));
		AtomicReference<SocketLineClient> opened = new AtomicReference<>();
		assertThatIllegalStateException().isThrownBy(() -> this.ha.open(Attachment.opening(LineClient.class, () -> {
			SocketLineClient client = LineConnections.connect(this.server);
			opened.set(client);
			return client;
		}).name("taken"))).withMessageContaining("'taken'");
		assertThat(opened.get()).isNotNull();
		assertThat(opened.get().isOpen()).isFalse();
		await().untilAsserted(() -> {
			assertThat(this.server.connectionsAccepted()).isEqualTo(2);
			assertThat(this.server.openConnections()).isEqualTo(1);
		});
		assertThat(this.ha.connections()).hasSize(1);
	}

	@Test
	@DisplayName("H7: close detaches the connection and closes its resource")
	void closeDetachesAndClosesTheResource() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("closed")
			.recovery(LineConnections.reconnecting(this.server)));
		assertThat(connection.send("PING")).isEqualTo("PONG");
		this.ha.close(connection);
		assertThat(resource.isOpen()).isFalse();
		await().untilAsserted(() -> assertThat(this.server.openConnections()).isZero());
		assertThat(this.ha.isHaAware(connection)).isFalse();
		assertThat(this.ha.find("closed")).isEmpty();
		assertThat(this.ha.control(connection).info().state()).isEqualTo(ConnectionState.CLOSED);
		assertThatIllegalStateException().isThrownBy(() -> connection.send("PING")).withMessageContaining("closed");
		assertThatIllegalStateException().isThrownBy(() -> this.ha.close(connection))
			.withMessageContaining("already closed");
	}

	@Test
	@DisplayName("H7: closing an AutoCloseable HA connection itself closes it through the table")
	void closingTheConnectionItselfClosesItThroughTheTable() throws Exception {
		SocketLineClient resource = LineConnections.connect(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.name("self-closed")
			.recovery(LineConnections.reconnecting(this.server)));
		connection.close();
		assertThat(resource.isOpen()).isFalse();
		assertThat(this.ha.find("self-closed")).isEmpty();
		assertThat(this.ha.isHaAware(connection)).isFalse();
	}

}
