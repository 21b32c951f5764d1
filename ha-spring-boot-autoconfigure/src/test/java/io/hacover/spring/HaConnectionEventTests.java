package io.hacover.spring;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent.Kind;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryFailedException;
import io.hacover.core.RecoveryFunction;
import io.hacover.testsupport.LeakingOrdersConfiguration;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.OrdersConfiguration;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link HaConnectionEvent}: what {@link HaApplicationEventPublisher} publishes
 * as an HA connection to a real line server is attached, recovered, given up on, detached
 * and replaced.
 */
class HaConnectionEventTests {

	private static final String HOST = "127.0.0.1";

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

	private final LineServer server;

	private final ApplicationContextRunner contextRunner;

	HaConnectionEventTests() throws IOException {
		this.server = LineServer.start();
		this.contextRunner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class))
			.withUserConfiguration(ListenerConfiguration.class)
			.withPropertyValues("line.port=" + this.server.port(), "ha.defaults.backoff.initial-delay=10ms",
					"ha.defaults.backoff.max-delay=20ms", "ha.defaults.backoff.max-attempts=3");
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void publisherIsConfiguredByDefaultAndBacksOffForTheUsersOwn() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(HaApplicationEventPublisher.class));
		this.contextRunner.withBean("ownPublisher", HaApplicationEventPublisher.class,
				() -> new HaApplicationEventPublisher((event) -> {
				}, HaConnections::create))
			.run((context) -> assertThat(context).getBean(HaApplicationEventPublisher.class)
				.isSameAs(context.getBean("ownPublisher")));
	}

	@Test
	@DisplayName("H10: a recovery is published as RECOVERY_STARTED then RECOVERED, after ATTACHED at start")
	void recoveryIsPublishedAfterAttachedAtStart() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED);
			this.server.kill();
			this.server.restart();
			assertThat(orders.send("ECHO again")).isEqualTo("again");
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.RECOVERY_STARTED, Kind.RECOVERED,
					Kind.RETRANSMITTED);
			HaConnectionEvent started = listener.first(Kind.RECOVERY_STARTED);
			assertThat(started.connection()).isEqualTo("orders");
			assertThat(started.getSource()).isSameAs(context.getBean(HaConnections.class));
			assertThat(started.cause()).isInstanceOf(IOException.class);
			assertThat(started.getTimestamp()).isEqualTo(started.time().toEpochMilli());
			HaConnectionEvent recovered = listener.first(Kind.RECOVERED);
			assertThat(recovered.attempt()).isOne();
			assertThat(recovered.duration()).isPositive();
			assertThat(recovered.haEvent().kind()).isEqualTo(Kind.RECOVERED);
			assertThat(listener.gaveUp).isEmpty();
		});
	}

	@Test
	void listenerThatThrowsOnAnEventHeldDuringStartUpIsIgnored() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class, ThrowingListenerConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LineClient orders = context.getBean("orders", LineClient.class);
				RecordingListener listener = context.getBean(RecordingListener.class);
				this.server.kill();
				this.server.restart();
				assertThat(orders.send("PING")).isEqualTo("PONG");
				assertThat(listener.kinds()).endsWith(Kind.RECOVERY_STARTED, Kind.RECOVERED, Kind.RETRANSMITTED);
			});
	}

	@Test
	@DisplayName("H19: events are published synchronously, on the thread where the recovery ran")
	void eventsArePublishedOnTheThreadWhereTheRecoveryRan() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			this.server.kill();
			this.server.restart();
			Thread caller = Thread.currentThread();
			orders.send("PING");
			assertThat(listener.threadOf(Kind.RECOVERY_STARTED)).isSameAs(caller);
			assertThat(listener.threadOf(Kind.RECOVERED)).isSameAs(caller);
		});
	}

	@Test
	@DisplayName("H11: a recovery that gives up is published as ATTEMPT_FAILED for each attempt, then GAVE_UP")
	void recoveryThatGivesUpIsPublishedAsGaveUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			this.server.kill();
			assertThatIOException().isThrownBy(() -> orders.send("PING"))
				.satisfies((ex) -> assertThat(ex.getSuppressed())
					.hasAtLeastOneElementOfType(RecoveryFailedException.class));
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.RECOVERY_STARTED, Kind.ATTEMPT_FAILED,
					Kind.ATTEMPT_FAILED, Kind.ATTEMPT_FAILED, Kind.GAVE_UP);
			HaConnectionEvent gaveUp = listener.first(Kind.GAVE_UP);
			assertThat(gaveUp.cause()).isSameAs(listener.first(Kind.RECOVERY_STARTED).cause());
			assertThat(gaveUp.attempt()).isEqualTo(3);
		});
	}

	@Test
	@DisplayName("H11: a listener whose condition is #event.kind.name() == 'GAVE_UP' hears only the give-up")
	void listenerFilteredByKindHearsOnlyTheGiveUp() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			this.server.kill();
			assertThatIOException().isThrownBy(() -> orders.send("PING"));
			this.server.restart();
			assertThat(orders.send("PING")).isEqualTo("PONG");
			assertThat(listener.kinds()).contains(Kind.GAVE_UP, Kind.RECOVERED);
			assertThat(listener.gaveUp).singleElement().satisfies((event) -> {
				assertThat(event.kind()).isEqualTo(Kind.GAVE_UP);
				assertThat(event.connection()).isEqualTo("orders");
			});
		});
	}

	@Test
	@DisplayName("H5: detaching is published as DETACHED, attaching again as ATTACHED")
	void detachIsPublished() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			HaConnections connections = context.getBean(HaConnections.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			connections.control("orders").detach();
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.DETACHED);
			connections.control("orders").attach();
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.DETACHED, Kind.ATTACHED);
		});
	}

	@Test
	@DisplayName("H3: replacing the recovery function is published as REPLACED")
	void replaceIsPublished() {
		this.contextRunner.withUserConfiguration(OrdersConfiguration.class).run((context) -> {
			HaConnections connections = context.getBean(HaConnections.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			RecoveryFunction<LineClient> other = (recovery) -> SocketLineClient.connect(HOST, this.server.port(),
					READ_TIMEOUT);
			connections.control("orders").replaceRecovery(other);
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.REPLACED);
			assertThat(connections.find("orders").orElseThrow().recovery()).isEqualTo(other.description());
		});
	}

	@Test
	@DisplayName("H18: the text of an event whose cause carries credentials shows none of them")
	void eventTextShowsNoCredentials() {
		HaEvent event = new HaEvent(Kind.ATTEMPT_FAILED, "orders", Instant.now(), 1,
				new SocketException("connect to https://user:secret@host/db?password=secret failed"), Duration.ZERO);
		HaConnectionEvent published = new HaConnectionEvent(HaConnections.create(), event);
		assertThat(published.toString()).doesNotContain("secret")
			.contains("ATTEMPT_FAILED", "orders", "java.net.SocketException", "https://******@host");
	}

	@Test
	@DisplayName("H18: events of a recovery that fails with credentials in its error show none of them as text")
	void eventsOfARecoveryThatFailsWithCredentialsShowNoneAsText() {
		this.contextRunner.withUserConfiguration(LeakingOrdersConfiguration.class).run((context) -> {
			LineClient orders = context.getBean("orders", LineClient.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			this.server.kill();
			assertThatIOException().isThrownBy(() -> orders.send("PING"));
			assertThat(listener.kinds()).containsExactly(Kind.ATTACHED, Kind.RECOVERY_STARTED, Kind.ATTEMPT_FAILED,
					Kind.ATTEMPT_FAILED, Kind.ATTEMPT_FAILED, Kind.GAVE_UP);
			assertThat(listener.first(Kind.RECOVERY_STARTED).cause()).hasMessageContaining("password=secret");
			assertThat(listener.first(Kind.ATTEMPT_FAILED).cause()).hasMessageContaining("password=secret");
			assertThat(listener.events()).allSatisfy((event) -> assertThat(event.toString()).doesNotContain("secret"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThrowingListenerConfiguration {

		@EventListener(condition = "#event.kind.name() == 'ATTACHED'")
		void onAttached(HaConnectionEvent event) {
			throw new IllegalStateException("listener failed on " + event);
		}

	}

	/**
	 * Records the application events of the connection named {@code orders}, and
	 * separately those its kind condition lets through.
	 */
	static class RecordingListener {

		final List<Heard> heard = new CopyOnWriteArrayList<>();

		final List<HaConnectionEvent> gaveUp = new CopyOnWriteArrayList<>();

		@EventListener
		void onEvent(HaConnectionEvent event) {
			if ("orders".equals(event.connection())) {
				this.heard.add(new Heard(event, Thread.currentThread()));
			}
		}

		@EventListener(condition = "#event.kind.name() == 'GAVE_UP'")
		void onGaveUp(HaConnectionEvent event) {
			this.gaveUp.add(event);
		}

		List<HaConnectionEvent> events() {
			return this.heard.stream().map(Heard::event).toList();
		}

		List<Kind> kinds() {
			return events().stream().map(HaConnectionEvent::kind).toList();
		}

		HaConnectionEvent first(Kind kind) {
			return firstHeard(kind).event();
		}

		Thread threadOf(Kind kind) {
			return firstHeard(kind).thread();
		}

		private Heard firstHeard(Kind kind) {
			return this.heard.stream().filter((heard) -> heard.event().kind() == kind).findFirst().orElseThrow();
		}

	}

	/**
	 * An event and the thread it was published on.
	 */
	record Heard(HaConnectionEvent event, Thread thread) {

	}

}
