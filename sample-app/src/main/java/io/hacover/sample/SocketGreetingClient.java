package io.hacover.sample;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link GreetingClient} on one TCP connection, shared by all threads: each request and
 * its reply hold a lock, so that replies are not mixed up. Knows nothing of recovery.
 */
final class SocketGreetingClient implements GreetingClient {

	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

	private final Socket socket;

	private final BufferedReader in;

	private final Writer out;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile String name;

	private SocketGreetingClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
		this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
	}

	/**
	 * Connects to a line server.
	 * @param address the server's address
	 * @return the connected client
	 * @throws IOException if the connect fails, for example because the server is down
	 */
	static SocketGreetingClient connect(InetSocketAddress address) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(address, (int) CONNECT_TIMEOUT.toMillis());
			socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
			return new SocketGreetingClient(socket);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	@Override
	public String echo(String text) throws IOException {
		return request("ECHO " + oneLine(text));
	}

	@Override
	public void setName(String name) throws IOException {
		request("NAME " + oneLine(name));
		this.name = name;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String hello() throws IOException {
		return request("HELLO");
	}

	private String request(String line) throws IOException {
		this.lock.lock();
		try {
			this.out.write(line + "\n");
			this.out.flush();
			String reply = this.in.readLine();
			if (reply == null) {
				throw new EOFException("the server closed the connection");
			}
			return reply;
		}
		finally {
			this.lock.unlock();
		}
	}

	private static String oneLine(String text) {
		if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
			throw new IllegalArgumentException("text must be one line");
		}
		return text;
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
