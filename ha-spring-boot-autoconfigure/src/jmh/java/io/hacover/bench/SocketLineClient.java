package io.hacover.bench;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link LineClient} over one TCP connection, shared by many threads (their exchanges
 * are serialized). After an I/O failure the socket is closed and every later call fails
 * with a {@link SocketException}, as a real client whose connection broke.
 */
public final class SocketLineClient implements LineClient {

	private final Socket socket;

	private final BufferedReader in;

	private final OutputStream out;

	private final ReentrantLock lock = new ReentrantLock();

	private SocketLineClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
		this.out = socket.getOutputStream();
	}

	/**
	 * Connects to a port of the loopback address.
	 * @param port the port
	 * @return the connected client
	 * @throws IOException if the connection is refused
	 */
	public static SocketLineClient connect(int port) throws IOException {
		Socket socket = new Socket();
		try {
			socket.setTcpNoDelay(true);
			socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
			socket.setSoTimeout(5000);
			return new SocketLineClient(socket);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	@Override
	public String send(String request) throws IOException {
		byte[] bytes = (request + "\n").getBytes(StandardCharsets.UTF_8);
		this.lock.lock();
		try {
			if (this.socket.isClosed()) {
				throw new SocketException("connection is closed");
			}
			try {
				this.out.write(bytes);
				this.out.flush();
				String reply = this.in.readLine();
				if (reply == null) {
					throw new EOFException("connection closed by peer");
				}
				return reply;
			}
			catch (IOException ex) {
				this.socket.close();
				throw ex;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
