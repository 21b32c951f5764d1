package io.hacover.core;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests of the events told to {@link HaListener listeners}: the library exposes what
 * happens to each connection (H18).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HaEventTests {

	private final HaConnections ha = FastSettings.table();

	private final List<HaEvent> events = new CopyOnWriteArrayList<>();

	private LineServer server;

	@BeforeEach
	void startServerAndListen() throws IOException {
		this.server = LineServer.start();
		this.ha.addListener(this.events::add);
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	@DisplayName("H18: attach, replace, suspend, enable, detach, attach again and close are published")
	void lifecycleEventsArePublished() throws Exception {
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, LineConnections.connect(this.server))
			.name("told")
			.recovery(LineConnections.reconnecting(this.server)));
		this.ha.replace(connection, LineConnections.reconnecting(this.server), null);
		this.ha.control(connection).suspend().enable();
		this.ha.detach(connection);
		this.ha.attach(LineClient.class, connection, LineConnections.reconnecting(this.server));
		this.ha.close(connection);
		assertThat(this.events).extracting(HaEvent::kind)
			.containsExactly(HaEvent.Kind.ATTACHED, HaEvent.Kind.REPLACED, HaEvent.Kind.SUSPENDED, HaEvent.Kind.ENABLED,
					HaEvent.Kind.DETACHED, HaEvent.Kind.ATTACHED, HaEvent.Kind.CLOSED);
		assertThat(this.events).allSatisfy((event) -> {
			assertThat(event.connection()).isEqualTo("told");
			assertThat(event.time()).isNotNull();
		});
	}

	@Test
	@DisplayName("H18: a recovery publishes its start, each failed attempt, its success and the retransmission")
	void recoveryEventsArePublished() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		RecordingRecovery<LineClient> recovery = RecordingRecovery.of((context) -> {
			if (context.attempt() == 1) {
				throw new ConnectException("not yet");
			}
			return LineConnections.connect(this.server);
		});
		LineClient connection = this.ha
			.attach(Attachment.of(LineClient.class, resource).name("recovered").recovery(recovery));
		LineConnections.restart(this.server);
		this.events.clear();
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(this.events).extracting(HaEvent::kind)
			.containsExactly(HaEvent.Kind.RECOVERY_STARTED, HaEvent.Kind.ATTEMPT_FAILED, HaEvent.Kind.RECOVERED,
					HaEvent.Kind.RETRANSMITTED);
		assertThat(this.events.get(0).cause()).isSameAs(resource.lastFailure());
		assertThat(this.events.get(1).attempt()).isOne();
		assertThat(this.events.get(1).cause()).isSameAs(recovery.failures().get(0));
		assertThat(this.events.get(2).attempt()).isEqualTo(2);
		assertThat(this.events.get(2).duration()).isNotNull().isGreaterThanOrEqualTo(Duration.ZERO);
		assertThat(this.events).extracting(HaEvent::connection).containsOnly("recovered");
	}

	@Test
	@DisplayName("H11, H18: a recovery that gives up publishes GAVE_UP with the stale error and the reason suppressed")
	void giveUpIsPublished() throws Exception {
		CapturingLineClient resource = LineConnections.connectCapturing(this.server);
		LineClient connection = this.ha.attach(Attachment.of(LineClient.class, resource)
			.recovery(LineConnections.reconnecting(this.server))
			.settings(FastSettings.withAttempts(2)));
		this.server.kill();
		this.events.clear();
		Throwable thrown = catchThrowable(() -> connection.send("PING"));
		assertThat(this.events).extracting(HaEvent::kind)
			.containsExactly(HaEvent.Kind.RECOVERY_STARTED, HaEvent.Kind.ATTEMPT_FAILED, HaEvent.Kind.ATTEMPT_FAILED,
					HaEvent.Kind.GAVE_UP);
		HaEvent gaveUp = this.events.get(3);
		assertThat(gaveUp.cause()).isSameAs(thrown).isSameAs(resource.lastFailure());
		assertThat(gaveUp.attempt()).isEqualTo(2);
		assertThat(gaveUp.cause().getSuppressed()).singleElement().isInstanceOf(RecoveryFailedException.class);
	}

	@Test
	@DisplayName("H18: a listener that throws does not break the call, and the other listeners are still told")
	void listenerThatThrowsDoesNotBreakTheCall() throws Exception {
		List<HaEvent> later = new CopyOnWriteArrayList<>();
		this.ha.addListener((event) -> {
			throw new IllegalStateException("listener failed on " + event.kind());
		});
		this.ha.addListener(later::add);
		RecordingRecovery<LineClient> recovery = LineConnections.reconnecting(this.server);
		LineClient connection = this.ha.attach(LineClient.class, LineConnections.connect(this.server), recovery);
		LineConnections.restart(this.server);
		assertThat(connection.send("PING")).isEqualTo("PONG");
		assertThat(recovery.calls()).isOne();
		assertThat(later).extracting(HaEvent::kind).contains(HaEvent.Kind.RECOVERED, HaEvent.Kind.RETRANSMITTED);
	}

	@Test
	@DisplayName("H18: a removed listener is not told any more")
	void removedListenerIsNotTold() throws Exception {
		List<HaEvent> removed = new CopyOnWriteArrayList<>();
		HaListener listener = removed::add;
		this.ha.addListener(listener);
		this.ha.attach(Probe.class, Probe.answering("a"), (context) -> Probe.answering("fresh"));
		this.ha.removeListener(listener);
		this.ha.attach(Probe.class, Probe.answering("b"), (context) -> Probe.answering("fresh"));
		assertThat(removed).hasSize(1);
		assertThat(this.events).hasSize(2);
	}

}
