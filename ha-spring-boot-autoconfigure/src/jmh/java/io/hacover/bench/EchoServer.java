package io.hacover.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP server on a loopback port that answers each line with the same line, one thread
 * per connection. {@link #kill()} closes the port and every connection as a crash does;
 * {@link #restart()} listens again on the same port.
 */
public final class EchoServer implements AutoCloseable {

	private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

	private final int port;

	private volatile ServerSocket listener;

	private EchoServer(ServerSocket listener) {
		this.listener = listener;
		this.port = listener.getLocalPort();
		accept(listener);
	}

	/**
	 * Starts a server on a free port.
	 * @return the running server
	 * @throws IOException if the port cannot be bound
	 */
	public static EchoServer start() throws IOException {
		return new EchoServer(bind(0));
	}

	/**
	 * Returns the port, the same across {@link #restart()}.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Closes the port and every open connection: clients see a reset or an end of stream,
	 * and new connections are refused.
	 * @throws IOException if closing fails
	 */
	public void kill() throws IOException {
		this.listener.close();
		for (Socket connection : this.connections) {
			connection.close();
		}
	}

	/**
	 * Listens again on the same port; returns once connections are accepted.
	 * @throws IOException if the port cannot be bound
	 */
	public void restart() throws IOException {
		this.listener = bind(this.port);
		accept(this.listener);
	}

	@Override
	public void close() throws IOException {
		kill();
	}

	private static ServerSocket bind(int port) throws IOException {
		ServerSocket listener = new ServerSocket();
		listener.setReuseAddress(true);
		listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
		return listener;
	}

	private void accept(ServerSocket listener) {
		daemon("echo-accept", () -> {
			while (!listener.isClosed()) {
				try {
					Socket connection = listener.accept();
					this.connections.add(connection);
					daemon("echo-connection", () -> serve(connection));
				}
				catch (IOException ex) {
					return;
				}
			}
		});
	}

	private static void daemon(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
	}

	private void serve(Socket connection) {
		try (connection) {
			connection.setTcpNoDelay(true);
			BufferedReader in = new BufferedReader(
					new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
			OutputStream out = connection.getOutputStream();
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		}
		catch (IOException ex) {
			// the connection was killed or the client went away
		}
		finally {
			this.connections.remove(connection);
		}
	}

}
