package io.hacover.spring;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.hacover.core.ConnectionInfo;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.hacover.testsupport.CountingReconnect;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring Boot application whose {@code @HaAware} client keeps working while the real
 * server behind it is killed and restarted again and again under load.
 */
@SpringBootTest(classes = HaAwareRestartTests.ClientApplication.class, properties = {
		"ha.connections.line.backoff.initial-delay=10ms", "ha.connections.line.backoff.max-delay=100ms" })
class HaAwareRestartTests {

	private static final int THREADS = 32;

	private static final int OUTAGES = 20;

	private static LineServer server;

	@Autowired
	private LineClient client;

	@Autowired
	private CountingReconnect reconnect;

	@Autowired
	private HaConnections connections;

	@Autowired
	private RetransmissionCounter retransmissions;

	@DynamicPropertySource
	static void serverPort(DynamicPropertyRegistry registry) throws IOException {
		server = LineServer.start();
		registry.add("line.port", server::port);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@Timeout(value = 3, unit = TimeUnit.MINUTES)
	@DisplayName("H19 H10: 32 threads call on while the server is killed and restarted 20 times; no call fails "
			+ "and the recovery function runs once per outage")
	void callersNeverNoticeTwentyRestartsAndEachOutageCostsOneRecovery() throws Exception {
		assertThat(this.connections.isHaAware(this.client)).isTrue();
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong calls = new AtomicLong();
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		List<Future<?>> callers = new ArrayList<>();
		for (int i = 0; i < THREADS; i++) {
			String caller = "c" + i;
			callers.add(pool.submit(() -> callUntilStopped(caller, stop, calls, failures)));
		}
		try {
			for (int outage = 1; outage <= OUTAGES; outage++) {
				long before = calls.get();
				await().until(() -> calls.get() > before + THREADS);
				server.kill();
				server.restart();
				long expected = outage;
				await().atMost(Duration.ofSeconds(30)).until(() -> info().recoveriesSucceeded() == expected);
			}
			long before = calls.get();
			await().until(() -> calls.get() > before + THREADS);
		}
		finally {
			stop.set(true);
			for (Future<?> caller : callers) {
				caller.get(30, TimeUnit.SECONDS);
			}
			pool.shutdown();
		}
		assertThat(failures).isEmpty();
		ConnectionInfo info = info();
		assertThat(this.reconnect.recoveries()).isEqualTo(OUTAGES);
		assertThat(info.recoveriesSucceeded()).isEqualTo(OUTAGES);
		assertThat(info.attempts()).isEqualTo(this.reconnect.calls());
		assertThat(info.attemptsFailed()).isEqualTo(this.reconnect.failedAttempts());
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.retransmissions()).isEqualTo(this.retransmissions.count()).isGreaterThanOrEqualTo(OUTAGES);
		// Every connection the server accepted is the first one or was opened by a
		// recovery call.
		assertThat(server.connectionsAccepted()).isBetween(OUTAGES + 1, OUTAGES + 1 + this.reconnect.failedAttempts());
	}

	private void callUntilStopped(String caller, AtomicBoolean stop, AtomicLong calls, Queue<Throwable> failures) {
		long n = 0;
		while (!stop.get()) {
			String text = caller + "-" + n++;
			try {
				String reply = this.client.send("ECHO " + text);
				if (!text.equals(reply)) {
					failures.add(new AssertionError("sent " + text + ", got " + reply));
				}
				calls.incrementAndGet();
			}
			catch (Throwable ex) {
				failures.add(ex);
				return;
			}
		}
	}

	private ConnectionInfo info() {
		return this.connections.find("line").orElseThrow();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration(exclude = DataSourceAutoConfiguration.class)
	static class ClientApplication {

		@Bean
		@HaAware(recovery = "reconnect", name = "line")
		LineClient lineClient(@Value("${line.port}") int port) throws IOException {
			return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
		}

		@Bean
		CountingReconnect reconnect(@Value("${line.port}") int port) {
			return new CountingReconnect(() -> port, Duration.ofSeconds(5));
		}

		@Bean
		RetransmissionCounter retransmissionCounter() {
			return new RetransmissionCounter();
		}

	}

	static class RetransmissionCounter implements HaListener {

		private final AtomicLong count = new AtomicLong();

		@Override
		public void onEvent(HaEvent event) {
			if (event.kind() == HaEvent.Kind.RETRANSMITTED) {
				this.count.incrementAndGet();
			}
		}

		long count() {
			return this.count.get();
		}

	}

}
