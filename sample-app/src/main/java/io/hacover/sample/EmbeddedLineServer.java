package io.hacover.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A tiny line-based TCP server on 127.0.0.1 that the demo kills and restarts: the "real
 * server" behind the HA connection. {@code PING} replies {@code PONG}, {@code ECHO text}
 * replies {@code text}; one thread per connection.
 * <p>
 * A demo prop, not a library: {@link #kill()} drops the server the way a crash does
 * (clients see a connection reset), {@link #restart()} brings it back on the same port.
 */
public final class EmbeddedLineServer implements EmbeddedServer {

	private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycle = new ReentrantLock();

	private volatile ServerSocket listener;

	private volatile Thread acceptor;

	private volatile int port;

	private EmbeddedLineServer() {
	}

	/**
	 * Starts a server on a port of 127.0.0.1.
	 * @param port the port, 0 for a free one
	 * @return the server, accepting connections
	 * @throws IOException if the port cannot be bound
	 */
	public static EmbeddedLineServer start(int port) throws IOException {
		EmbeddedLineServer server = new EmbeddedLineServer();
		server.listen(port);
		return server;
	}

	/**
	 * Returns the address the server listens on, the same across restarts.
	 * @return the address
	 */
	public InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port);
	}

	/**
	 * Kills the server: closes the listening socket and waits for the accepting thread to
	 * end, so that connects are refused from then on, then closes every client connection
	 * with {@code SO_LINGER 0}, so that clients see a reset. Does nothing if the server
	 * is down.
	 */
	public void kill() {
		this.lifecycle.lock();
		try {
			ServerSocket socket = this.listener;
			this.listener = null;
			if (socket != null) {
				closeQuietly(socket);
				awaitEnd(this.acceptor);
			}
			this.clients.forEach(EmbeddedLineServer::abort);
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Starts accepting connections again on the same port after {@link #kill()}.
	 * @throws IOException if the port cannot be bound
	 * @throws IllegalStateException if the server is running
	 */
	public void restart() throws IOException {
		this.lifecycle.lock();
		try {
			if (this.listener != null) {
				throw new IllegalStateException("the server on port " + this.port + " is running; kill it first");
			}
			listen(this.port);
		}
		finally {
			this.lifecycle.unlock();
		}
	}

	/**
	 * Stops the server for good, as {@link #kill()} does.
	 */
	@Override
	public void close() {
		kill();
	}

	private void listen(int requested) throws IOException {
		ServerSocket socket = new ServerSocket();
		try {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), requested));
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw ex;
		}
		this.port = socket.getLocalPort();
		this.listener = socket;
		this.acceptor = daemon("line-server-acceptor", () -> accept(socket));
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				this.clients.add(client);
				daemon("line-server-" + client.getPort(), () -> serve(client));
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void serve(Socket client) {
		try (client;
				BufferedReader in = new BufferedReader(
						new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
				Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				out.write(reply(line) + "\n");
				out.flush();
			}
		}
		catch (IOException ex) {
			// Killed, or the client went away: either way this connection is over.
		}
		finally {
			this.clients.remove(client);
		}
	}

	private static String reply(String request) {
		if (request.equals("PING")) {
			return "PONG";
		}
		if (request.startsWith("ECHO ")) {
			return request.substring(5);
		}
		return "ERR unknown command";
	}

	private static Thread daemon(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private static void awaitEnd(Thread acceptor) {
		// The JDK releases a listening socket only when the thread blocked in accept()
		// has left it: until then, the kernel still completes connects.
		try {
			acceptor.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void abort(Socket client) {
		try {
			client.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// Already closed: closing again below is harmless.
		}
		closeQuietly(client);
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Nothing to do: the socket is gone either way.
		}
	}

}
