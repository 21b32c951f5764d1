package io.hacover.testsupport;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Proves with real loopback sockets that the test infrastructure ({@link LineServer},
 * {@link SocketLineClient} and {@link TcpFaultProxy}) behaves as documented.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TestSupportSelfTests {

	private static final String HOST = "127.0.0.1";

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

	private static final Duration AWAIT = Duration.ofSeconds(5);

	private static final int CLIENTS = 32;

	private final ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);

	@AfterEach
	void stopExecutor() throws InterruptedException {
		this.executor.shutdownNow();
		this.executor.awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void echoRoundTripReturnsTheText() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient client = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			assertThat(client.send("ECHO hello world")).isEqualTo("hello world");
			assertThat(client.send("ECHO grüße ✓")).isEqualTo("grüße ✓");
			assertThat(client.send("ECHO")).isEmpty();
			assertThat(client.send("PING")).isEqualTo("PONG");
			assertThat(server.requests()).isEqualTo(4);
			assertThat(server.connectionsAccepted()).isEqualTo(1);
			assertThat(server.openConnections()).isEqualTo(1);
			assertThat(client).hasToString("SocketLineClient[127.0.0.1:" + server.port() + "]");
		}
	}

	@Test
	void sessionValueLivesAndDiesWithItsConnection() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient first = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT);
				SocketLineClient second = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			assertThat(first.send("GET")).isEmpty();
			assertThat(first.send("SET ada")).isEqualTo("OK");
			assertThat(first.send("GET")).isEqualTo("ada");
			assertThat(second.send("GET")).isEmpty();
			try (SocketLineClient again = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
				assertThat(again.send("GET")).isEmpty();
			}
		}
	}

	@Test
	void incrCountsServerWideAndUnknownCommandsAreOrdinaryErrors() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient first = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT);
				SocketLineClient second = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			assertThat(first.send("INCR")).isEqualTo("1");
			assertThat(second.send("INCR")).isEqualTo("2");
			assertThatIllegalArgumentException().isThrownBy(() -> first.send("FROB"))
				.withMessage("ERR unknown command");
			assertThatIllegalArgumentException().isThrownBy(() -> first.send("SLOW soon x"))
				.withMessage("ERR malformed SLOW");
			assertThat(first.isOpen()).isTrue();
			assertThat(first.send("INCR")).isEqualTo("3");
		}
	}

	@Test
	void killMakesAnInFlightRequestFailWithEofOrReset() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient client = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			assertThat(client.send("PING")).isEqualTo("PONG");
			Future<String> inFlight = this.executor.submit(() -> client.send("SLOW 20000 never"));
			eventually().until(() -> server.requestsInProgress() == 1);
			server.kill();
			assertThat(server.running()).isFalse();
			assertThatThrownBy(() -> inFlight.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.cause()
				.isInstanceOfAny(EOFException.class, SocketException.class);
			eventually().until(() -> server.openConnections() == 0);
			assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT));
			server.kill();
			assertThat(server.running()).isFalse();
		}
	}

	@Test
	void killedServerRestartsOnTheSamePort() throws Exception {
		try (LineServer server = LineServer.start()) {
			int port = server.port();
			try (SocketLineClient client = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
				assertThat(client.send("INCR")).isEqualTo("1");
				server.kill();
				assertThatExceptionOfType(IOException.class).isThrownBy(() -> client.send("INCR"));
				assertThat(client.isOpen()).isFalse();
			}
			server.restart();
			assertThat(server.running()).isTrue();
			assertThat(server.port()).isEqualTo(port);
			try (SocketLineClient client = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
				assertThat(client.send("INCR")).isEqualTo("2");
			}
			assertThat(server.connectionsAccepted()).isEqualTo(2);
			assertThatIllegalStateException().isThrownBy(server::restart);
		}
	}

	@Test
	void serverCanBeStartedOnAGivenPortAndNotRestartedAfterClose() throws Exception {
		int port;
		try (LineServer first = LineServer.start()) {
			port = first.port();
		}
		LineServer server = LineServer.start(port);
		try (SocketLineClient client = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
			assertThat(server.port()).isEqualTo(port);
			assertThat(client.send("PING")).isEqualTo("PONG");
		}
		finally {
			server.close();
		}
		assertThat(server.running()).isFalse();
		assertThatIllegalStateException().isThrownBy(server::restart);
		server.close();
	}

	@Test
	void thirtyTwoConcurrentClientsEachGetTheirOwnEchoes() throws Exception {
		try (LineServer server = LineServer.start()) {
			runConcurrentEchoes(server.port(), 100);
			assertThat(server.connectionsAccepted()).isEqualTo(CLIENTS);
			assertThat(server.requests()).isEqualTo(CLIENTS * 100L);
			eventually().until(() -> server.openConnections() == 0);
		}
	}

	@Test
	void oneClientCanBeSharedByManyThreads() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient client = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < CLIENTS; t++) {
				int thread = t;
				futures.add(this.executor.submit(() -> {
					for (int i = 0; i < 50; i++) {
						String text = "shared-" + thread + "-" + i;
						assertThat(client.send("ECHO " + text)).isEqualTo(text);
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get(20, TimeUnit.SECONDS);
			}
			assertThat(server.connectionsAccepted()).isEqualTo(1);
		}
	}

	@Test
	void slowCommandRepliesAfterItsDelayOrTimesOutTheClient() throws Exception {
		try (LineServer server = LineServer.start()) {
			try (SocketLineClient client = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
				assertThat(client.send("SLOW 50 late hello")).isEqualTo("late hello");
			}
			try (SocketLineClient client = SocketLineClient.connect(HOST, server.port(), Duration.ofMillis(100))) {
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> client.send("SLOW 2000 x"));
				assertThat(client.isOpen()).isFalse();
			}
		}
	}

	@Test
	void closeCommandEndsTheConnectionWithoutAReply() throws Exception {
		try (LineServer server = LineServer.start();
				SocketLineClient client = SocketLineClient.connect(HOST, server.port(), READ_TIMEOUT)) {
			assertThatExceptionOfType(EOFException.class).isThrownBy(() -> client.send("CLOSE"))
				.withMessage("connection to 127.0.0.1:" + server.port() + " closed by peer");
			eventually().until(() -> server.openConnections() == 0);
			assertThat(server.requests()).isZero();
			assertThatExceptionOfType(SocketException.class).isThrownBy(() -> client.send("PING"));
		}
	}

	@Test
	void proxyForwardsBothWays() throws Exception {
		try (LineServer server = LineServer.start();
				TcpFaultProxy proxy = TcpFaultProxy.start(server.port());
				SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
			assertThat(proxy.port()).isNotEqualTo(server.port());
			assertThat(client.send("ECHO through the proxy")).isEqualTo("through the proxy");
			assertThat(client.send("ECHO " + "x".repeat(100_000))).hasSize(100_000);
			assertThat(proxy.connectionsAccepted()).isEqualTo(1);
			assertThat(server.connectionsAccepted()).isEqualTo(1);
			assertThatExceptionOfType(EOFException.class).isThrownBy(() -> client.send("CLOSE"));
			eventually().until(() -> proxy.openConnections() == 0 && server.openConnections() == 0);
		}
	}

	@Test
	void thirtyTwoConcurrentClientsWorkThroughTheProxy() throws Exception {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			runConcurrentEchoes(proxy.port(), 50);
			assertThat(proxy.connectionsAccepted()).isEqualTo(CLIENTS);
			assertThat(server.requests()).isEqualTo(CLIENTS * 50L);
			eventually().until(() -> proxy.openConnections() == 0 && server.openConnections() == 0);
		}
	}

	@Test
	void cutAllFailsTheNextSendButNewConnectionsStillWork() throws Exception {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
				assertThat(client.send("PING")).isEqualTo("PONG");
				proxy.cutAll();
				assertThatExceptionOfType(IOException.class).isThrownBy(() -> client.send("PING"));
			}
			eventually().until(() -> server.openConnections() == 0);
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
				assertThat(client.send("PING")).isEqualTo("PONG");
			}
			assertThat(proxy.connectionsAccepted()).isEqualTo(2);
		}
	}

	@Test
	void refusingProxyMakesConnectFailAndReopensOnTheSamePort() throws Exception {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			int port = proxy.port();
			try (SocketLineClient established = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
				// a reply proves the proxy accepted it (not merely queued in the backlog)
				assertThat(established.send("PING")).isEqualTo("PONG");
				proxy.refuseNew(true);
				assertThatExceptionOfType(ConnectException.class)
					.isThrownBy(() -> SocketLineClient.connect(HOST, port, READ_TIMEOUT));
				assertThat(established.send("ECHO still here")).isEqualTo("still here");
				proxy.refuseNew(false);
				assertThat(proxy.port()).isEqualTo(port);
				try (SocketLineClient client = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
					assertThat(client.send("PING")).isEqualTo("PONG");
				}
			}
		}
	}

	@Test
	void blackHoleMakesRepliesTimeOutUntilLifted() throws Exception {
		Duration shortTimeout = Duration.ofMillis(200);
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), shortTimeout)) {
				assertThat(client.send("PING")).isEqualTo("PONG");
				proxy.blackHole(true);
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> client.send("PING"));
			}
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), shortTimeout)) {
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> client.send("PING"));
			}
			proxy.blackHole(false);
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), shortTimeout)) {
				assertThat(client.send("PING")).isEqualTo("PONG");
			}
			assertThat(server.requests()).isEqualTo(2);
		}
	}

	@Test
	void blackHoleAcceptsConnectionsEvenWhenTheTargetIsDown() throws Exception {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			server.kill();
			proxy.blackHole(true);
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), Duration.ofMillis(200))) {
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> client.send("PING"));
			}
			eventually().until(() -> proxy.openConnections() == 0);
		}
	}

	@Test
	void latencyDelaysButStillDeliversReplies() throws Exception {
		try (LineServer server = LineServer.start();
				TcpFaultProxy proxy = TcpFaultProxy.start(server.port());
				SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
			proxy.latency(Duration.ofMillis(50));
			for (int i = 0; i < 5; i++) {
				assertThat(client.send("ECHO delayed " + i)).isEqualTo("delayed " + i);
			}
			assertThat(client.send("ECHO " + "y".repeat(50_000))).hasSize(50_000);
			proxy.latency(Duration.ZERO);
			assertThat(client.send("PING")).isEqualTo("PONG");
		}
	}

	@Test
	void proxyClosesAcceptedConnectionsAtOnceWhenTheTargetIsDown() throws Exception {
		try (LineServer server = LineServer.start(); TcpFaultProxy proxy = TcpFaultProxy.start(server.port())) {
			server.kill();
			// the reset can win the race with the end of the client's connect
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
				try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
					client.send("PING");
				}
			}).isInstanceOfAny(EOFException.class, SocketException.class);
			assertThat(proxy.connectionsAccepted()).isEqualTo(1);
			server.restart();
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
				assertThat(client.send("PING")).isEqualTo("PONG");
			}
		}
	}

	@Test
	void serverKillThroughTheProxyResetsTheClient() throws Exception {
		try (LineServer server = LineServer.start();
				TcpFaultProxy proxy = TcpFaultProxy.start(server.port());
				SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
			assertThat(client.send("PING")).isEqualTo("PONG");
			Future<String> inFlight = this.executor.submit(() -> client.send("SLOW 20000 never"));
			eventually().until(() -> server.requestsInProgress() == 1);
			server.kill();
			assertThatThrownBy(() -> inFlight.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.cause()
				.isInstanceOfAny(EOFException.class, SocketException.class);
			eventually().until(() -> proxy.openConnections() == 0);
		}
	}

	@Test
	void retargetSendsNewConnectionsToAnotherServer() throws Exception {
		try (LineServer first = LineServer.start();
				LineServer second = LineServer.start();
				TcpFaultProxy proxy = TcpFaultProxy.start(first.port());
				SocketLineClient old = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
			assertThat(old.send("INCR")).isEqualTo("1");
			proxy.retarget(second.port());
			assertThat(proxy.targetPort()).isEqualTo(second.port());
			try (SocketLineClient client = SocketLineClient.connect(HOST, proxy.port(), READ_TIMEOUT)) {
				assertThat(client.send("INCR")).isEqualTo("1");
			}
			assertThat(old.send("INCR")).isEqualTo("2");
			assertThat(first.connectionsAccepted()).isEqualTo(1);
			assertThat(second.connectionsAccepted()).isEqualTo(1);
		}
	}

	private static ConditionFactory eventually() {
		return await().atMost(AWAIT).pollInterval(Duration.ofMillis(10));
	}

	private void runConcurrentEchoes(int port, int echoesPerClient) throws Exception {
		CountDownLatch go = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>();
		for (int c = 0; c < CLIENTS; c++) {
			int clientNumber = c;
			futures.add(this.executor.submit(() -> {
				try (SocketLineClient client = SocketLineClient.connect(HOST, port, READ_TIMEOUT)) {
					go.await();
					for (int i = 0; i < echoesPerClient; i++) {
						String text = "client-" + clientNumber + "-message-" + i;
						assertThat(client.send("ECHO " + text)).isEqualTo(text);
					}
				}
				return null;
			}));
		}
		go.countDown();
		for (Future<?> future : futures) {
			future.get(20, TimeUnit.SECONDS);
		}
	}

}
