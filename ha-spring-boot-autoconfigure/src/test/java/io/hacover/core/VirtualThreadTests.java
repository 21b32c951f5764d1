package io.hacover.core;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.LineServer;
import io.hacover.testsupport.SocketLineClient;
import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that HA connections serve virtual threads: a thousand of them share one HA
 * connection across a restart of its server, with one recovery for them all (H19) and no
 * carrier thread pinned while hacover's code is on the stack (H24), as JFR's
 * {@code jdk.VirtualThreadPinned} events show.
 * <p>
 * Each caller makes one call before the outage, one across it and one after, with the
 * default settings (re-issue always, a 30 s recovery budget). The calls across it all
 * fail on the dead connection before the server is restarted, so the count is exact: one
 * recovery, whose reconnect attempts are refused until the restart, and one re-issue per
 * caller.
 * <p>
 * Virtual threads are Java 21 API and the project compiles with {@code --release 17}, so
 * they are created by reflection and the test runs on Java 21 and later only.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualThreadTests {

	private static final int THREADS = 1_000;

	private static final String NAME = "restarting";

	private static final String PINNED = "jdk.VirtualThreadPinned";

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private LineServer server;

	private ExecutorService virtualThreads;

	@BeforeEach
	void startServerAndExecutor() throws Exception {
		this.server = LineServer.start();
		this.virtualThreads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
	}

	@AfterEach
	void stopExecutorAndServer() {
		this.virtualThreads.shutdownNow();
		this.server.close();
	}

	@Test
	@DisplayName("1,000 virtual threads ride out a restart with one recovery and no pinning in hacover's frames (H19, H24)")
	void thousandVirtualThreadsRideOutARestart(@TempDir Path directory) throws Exception {
		HaConnections connections = HaConnections.create();
		CapturingLineClient beforeRestart = new CapturingLineClient(connect());
		RecordingRecovery<LineClient> reconnect = RecordingRecovery.of((context) -> connect());
		LineClient connection = connections
			.attach(Attachment.of(LineClient.class, beforeRestart).name(NAME).recovery(reconnect));
		Method isVirtual = Thread.class.getMethod("isVirtual");
		AtomicInteger onVirtualThreads = new AtomicInteger();
		CountDownLatch connected = new CountDownLatch(THREADS);
		CountDownLatch serverDown = new CountDownLatch(1);
		Map<Integer, List<String>> replies = new LinkedHashMap<>();
		Map<Integer, Throwable> errors = new LinkedHashMap<>();
		List<RecordedEvent> pinned = pinnedEventsOf(directory.resolve("pinned.jfr"), () -> {
			List<Future<List<String>>> callers = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				String caller = "caller " + i;
				callers.add(this.virtualThreads.submit(() -> {
					if ((boolean) isVirtual.invoke(Thread.currentThread())) {
						onVirtualThreads.incrementAndGet();
					}
					List<String> answers = new ArrayList<>();
					try {
						answers.add(connection.send("ECHO before " + caller));
					}
					finally {
						connected.countDown();
					}
					serverDown.await();
					answers.add(connection.send("ECHO across " + caller));
					answers.add(connection.send("ECHO after " + caller));
					return answers;
				}));
			}
			await().atMost(PATIENCE).until(() -> connected.getCount() == 0);
			this.server.kill();
			serverDown.countDown();
			// All callers fail on the dead connection before the server is back, so they
			// all wait for the one recovery, which cannot succeed before the restart.
			await().atMost(PATIENCE).until(() -> beforeRestart.failures().size() == THREADS);
			this.server.restart();
			for (int i = 0; i < THREADS; i++) {
				try {
					replies.put(i, callers.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
				}
				catch (ExecutionException ex) {
					errors.put(i, ex.getCause());
				}
			}
			this.virtualThreads.submit(PinsItsCarrier::initialize).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
		});
		assertThat(onVirtualThreads).hasValue(THREADS);
		assertThat(errors).as("errors seen by the callers").isEmpty();
		assertThat(replies).hasSize(THREADS)
			.allSatisfy((i, answers) -> assertThat(answers).containsExactly("before caller " + i, "across caller " + i,
					"after caller " + i));
		ConnectionInfo info = connections.find(NAME).orElseThrow();
		assertThat(info.recoveriesSucceeded()).as("recoveries of the one outage").isOne();
		assertThat(reconnect.results()).hasSize(1);
		int attempts = reconnect.calls();
		assertThat(reconnect.recordedCalls()).extracting(RecordingRecovery.Call::attempt)
			.as("the attempts of a single recovery")
			.containsExactlyElementsOf(IntStream.rangeClosed(1, attempts).boxed().toList());
		assertThat(info.attemptsFailed()).isEqualTo(attempts - 1);
		assertThat(info.recoveriesFailed()).isZero();
		assertThat(info.retransmissions()).isEqualTo(THREADS);
		assertThat(info.state()).isEqualTo(ConnectionState.ATTACHED);
		assertThat(this.server.connectionsAccepted()).isEqualTo(2);
		assertThat(pinned)
			.as("the recording sees the pinning of the control, PinsItsCarrier; all pinned events:%n%s",
					pinned.stream().map(VirtualThreadTests::describe).collect(Collectors.joining("\n")))
			.anyMatch(hasFrameIn(PinsItsCarrier.class.getName()::equals));
		assertThat(pinned.stream()
			.filter(hasFrameIn(PinsItsCarrier.class.getName()::equals).negate())
			.filter(hasFrameIn((type) -> type.startsWith("io.hacover.")).or(VirtualThreadTests::isTruncated))
			.map(VirtualThreadTests::describe))
			.as("virtual threads pinned with hacover's frames on the stack (of %d pinned events, the control's included)",
					pinned.size())
			.isEmpty();
	}

	/**
	 * Runs the scenario under a JFR recording of every {@code jdk.VirtualThreadPinned}
	 * event, however short, with its stack trace, and returns those events.
	 */
	private static List<RecordedEvent> pinnedEventsOf(Path dump, Scenario scenario) throws Exception {
		try (Recording recording = new Recording()) {
			recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
			recording.start();
			scenario.run();
			recording.stop();
			recording.dump(dump);
		}
		return RecordingFile.readAllEvents(dump)
			.stream()
			.filter((event) -> event.getEventType().getName().equals(PINNED))
			.toList();
	}

	private SocketLineClient connect() throws IOException {
		// No read timeout: a slow reply would be an outage of its own and a second
		// recovery; the test's timeout bounds a hang.
		return SocketLineClient.connect(LineConnections.HOST, this.server.port(), Duration.ZERO);
	}

	private static Predicate<RecordedEvent> hasFrameIn(Predicate<String> typeName) {
		return (event) -> event.getStackTrace() != null && event.getStackTrace()
			.getFrames()
			.stream()
			.anyMatch((frame) -> typeName.test(frame.getMethod().getType().getName()));
	}

	/**
	 * Whether the stack of an event is cut short (JFR keeps 64 frames by default): such
	 * an event counts against hacover, since its frames cannot be ruled out.
	 */
	private static boolean isTruncated(RecordedEvent event) {
		RecordedStackTrace stack = event.getStackTrace();
		return stack == null || stack.isTruncated();
	}

	private static String describe(RecordedEvent event) {
		StringBuilder text = new StringBuilder(event.getEventType().getName());
		text.append(" for ").append(event.getDuration().toNanos()).append(" ns");
		for (ValueDescriptor field : event.getFields()) {
			String name = field.getName();
			if (!List.of("startTime", "duration", "stackTrace").contains(name)) {
				Object value = event.getValue(name);
				text.append(", ").append(name).append('=');
				text.append((value instanceof RecordedThread thread)
						? "'" + thread.getJavaName() + "' #" + thread.getJavaThreadId() : value);
			}
		}
		RecordedStackTrace stack = event.getStackTrace();
		if (stack == null) {
			return text.append("\n\t(no stack trace)").toString();
		}
		for (RecordedFrame frame : stack.getFrames()) {
			text.append("\n\tat ")
				.append(frame.getMethod().getType().getName())
				.append('.')
				.append(frame.getMethod().getName())
				.append(" line ")
				.append(frame.getLineNumber());
		}
		if (stack.isTruncated()) {
			text.append("\n\t... (truncated)");
		}
		return text.toString();
	}

	/**
	 * What happens while pinning is recorded.
	 */
	@FunctionalInterface
	private interface Scenario {

		void run() throws Exception;

	}

	/**
	 * The control: parks its first caller inside its class initializer, where a virtual
	 * thread cannot unmount on any JDK (JEP 491 freed {@code synchronized}, not class
	 * initialization), so the recording must hold one pinned event in this class; were it
	 * missing, "no pinned event in hacover's frames" would prove nothing.
	 */
	private static final class PinsItsCarrier {

		static {
			// A pinned park to be recorded; it waits for no condition.
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}

		private PinsItsCarrier() {
		}

		static void initialize() {
		}

	}

}
