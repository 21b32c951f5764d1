package io.hacover.testsupport;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small, real request/reply TCP server on 127.0.0.1 that tests can kill and restart on
 * the same port.
 * <p>
 * The protocol is line based (UTF-8, one request line in, at most one reply line out,
 * lines terminated by {@code '\n'}):
 * <ul>
 * <li>{@code PING} replies {@code PONG};</li>
 * <li>{@code ECHO <text>} replies {@code <text>} ({@code ECHO} alone replies an empty
 * line);</li>
 * <li>{@code INCR} increments a server-wide counter and replies its new value; the
 * counter belongs to this object and survives {@link #kill()} and
 * {@link #restart()};</li>
 * <li>{@code SLOW <millis> <text>} waits {@code millis} milliseconds, then replies
 * {@code <text>} (a malformed or negative delay replies {@code ERR malformed SLOW});</li>
 * <li>{@code SET <text>} keeps {@code <text>} as this connection's session value and
 * replies {@code OK}; {@code GET} replies the session value, an empty line until one is
 * set: state that dies with the connection, as a database session's settings do;</li>
 * <li>{@code CLOSE} closes the connection (orderly, so the client reads end of stream)
 * without a reply;</li>
 * <li>anything else replies {@code ERR unknown command}.</li>
 * </ul>
 * Its threads are named {@code line-server-<port>-...}; the life of the server is
 * {@link LoopbackServer}'s. A request read but not yet answered when the server is killed
 * is dropped: no {@code INCR}, no reply, not counted.
 */
public final class LineServer extends LoopbackServer {

	private final AtomicLong counter = new AtomicLong();

	private final AtomicLong requests = new AtomicLong();

	private final AtomicInteger requestsInProgress = new AtomicInteger();

	private LineServer(int requestedPort) throws IOException {
		super("line-server", requestedPort);
	}

	/**
	 * Starts a server on an ephemeral port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns; use {@link #port()}
	 * to learn the port.
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 */
	public static LineServer start() throws IOException {
		return new LineServer(0);
	}

	/**
	 * Starts a server on the given port of 127.0.0.1.
	 * <p>
	 * The server is accepting connections when this method returns.
	 * @param port the port to bind, {@code 0} for an ephemeral one
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 */
	public static LineServer start(int port) throws IOException {
		return new LineServer(port);
	}

	/**
	 * Returns how many requests this server has answered.
	 * <p>
	 * Counts every request for which a reply line was produced (including {@code ERR}
	 * replies) over all lifetimes; the count is raised just before the reply is written,
	 * so a client that has read its reply sees it counted. {@code CLOSE} and requests cut
	 * short while being processed (for example a {@code SLOW} one interrupted by
	 * {@link #close()}) are not counted.
	 * @return the number of answered requests
	 */
	public long requests() {
		return this.requests.get();
	}

	/**
	 * Returns how many requests are being processed right now.
	 * <p>
	 * A request counts from the moment its line has been read until its reply has been
	 * produced (just before it is written); useful to await a {@code SLOW} request being
	 * "in flight" before {@link #kill()}.
	 * @return the number of requests in progress
	 */
	public int requestsInProgress() {
		return this.requestsInProgress.get();
	}

	@Override
	protected void serve(Socket client) throws IOException, InterruptedException {
		BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
		Writer out = new BufferedWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8));
		StringBuilder session = new StringBuilder();
		String line;
		while ((line = in.readLine()) != null) {
			String reply;
			this.requestsInProgress.incrementAndGet();
			try {
				reply = answer(client, line, session);
			}
			finally {
				this.requestsInProgress.decrementAndGet();
			}
			if (reply == null) {
				return;
			}
			out.write(reply);
			out.write('\n');
			out.flush();
		}
	}

	/**
	 * Answers one request line; {@code null} means "close the connection without a reply"
	 * ({@code CLOSE}, or the connection was killed while the request was read). Side
	 * effects happen under the read lock and only while the connection is still open, so
	 * that nothing changes any more once {@link #kill()} has returned.
	 */
	private String answer(Socket client, String line, StringBuilder session) throws InterruptedException {
		String slowReply = null;
		if (line.startsWith("SLOW ")) {
			slowReply = slow(line);
		}
		String slowAnswer = slowReply;
		return whileOpen(client, () -> {
			String reply = (slowAnswer != null) ? slowAnswer : reply(line, session);
			if (reply != null) {
				// counted before writing, so a client that has read its reply sees it
				this.requests.incrementAndGet();
			}
			return reply;
		});
	}

	private static String slow(String line) throws InterruptedException {
		String[] parts = line.split(" ", 3);
		long millis;
		try {
			millis = Long.parseLong(parts[1]);
		}
		catch (NumberFormatException ex) {
			return "ERR malformed SLOW";
		}
		if (millis < 0) {
			return "ERR malformed SLOW";
		}
		// simulates a slow server, it does not wait for a condition
		TimeUnit.MILLISECONDS.sleep(millis);
		return (parts.length == 3) ? parts[2] : "";
	}

	private String reply(String line, StringBuilder session) {
		if (line.startsWith("SET ")) {
			session.replace(0, session.length(), line.substring("SET ".length()));
			return "OK";
		}
		if (line.equals("GET")) {
			return session.toString();
		}
		if (line.equals("PING")) {
			return "PONG";
		}
		if (line.equals("ECHO")) {
			return "";
		}
		if (line.startsWith("ECHO ")) {
			return line.substring("ECHO ".length());
		}
		if (line.equals("INCR")) {
			return Long.toString(this.counter.incrementAndGet());
		}
		if (line.equals("CLOSE")) {
			return null;
		}
		return "ERR unknown command";
	}

}
