package io.hacover.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP server embedded in the demo, on 127.0.0.1: one thread per connection, and a
 * {@link #kill()} that drops it the way a crash does (clients see a connection reset).
 * Subclasses speak the protocol ({@link #serve(Socket)}).
 */
abstract class EmbeddedTcpServer implements EmbeddedServer {

	private final String name;

	private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycle = new ReentrantLock();

	private volatile ServerSocket listener;

	private volatile Thread acceptor;

	private volatile int port;

	/**
	 * Creates a server that does not listen yet.
	 * @param name the prefix of its threads' names
	 */
	EmbeddedTcpServer(String name) {
		this.name = name;
	}

	/**
	 * Serves one connection until it ends; the socket is closed afterwards. An
	 * {@link IOException} means the server was killed or the client went away.
	 * @param client the connection
	 * @throws IOException when the connection fails
	 */
	abstract void serve(Socket client) throws IOException;

	/**
	 * Returns the port the server listens on, the same across restarts.
	 * @return the port
	 */
	int port() {
		return this.port;
	}

	/**
	 * Kills the server: closes the listening socket and waits for the accepting thread to
	 * end, so that connects are refused from then on, then closes every client connection
	 * with {@code SO_LINGER 0}, so that clients see a reset, even in the middle of an
	 * answer. Does nothing if the server is down.
	 */
	@Override
	public void kill() {
		this.lifecycle.lock();
		try {
			ServerSocket socket = this.listener;
			this.listener = null;
			if (socket != null) {
				closeQuietly(socket);
				awaitEnd(this.acceptor);
			}
			this.clients.forEach(EmbeddedTcpServer::abort);
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
	@Override
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

	/**
	 * Binds the port and starts accepting connections.
	 * @param requested the port, 0 for a free one
	 * @throws IOException if the port cannot be bound
	 */
	void listen(int requested) throws IOException {
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
		this.acceptor = daemon(this.name + "-acceptor", () -> accept(socket));
	}

	private void accept(ServerSocket socket) {
		while (true) {
			Socket client;
			try {
				client = socket.accept();
			}
			catch (IOException ex) {
				return;
			}
			this.clients.add(client);
			if (socket.isClosed()) {
				// kill() closed the socket while accept() returned: it may have missed
				// this client.
				abort(client);
				return;
			}
			daemon(this.name + "-" + client.getPort(), () -> handle(client));
		}
	}

	private void handle(Socket client) {
		try (client) {
			serve(client);
		}
		catch (IOException ex) {
			// Killed, or the client went away: either way this connection is over.
		}
		finally {
			this.clients.remove(client);
		}
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
