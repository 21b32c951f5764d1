package io.hacover.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny line-based TCP server on 127.0.0.1 that the demo kills and restarts: the "real
 * server" behind the HA connection. {@code PING} replies {@code PONG}, {@code ECHO text}
 * replies {@code text}, {@code NAME text} keeps {@code text} as the name this connection
 * greets and replies {@code OK}, {@code HELLO} replies {@code Hello, <name>}
 * ({@code world} until a name is set); one thread per connection. The name is session
 * state: it dies with the connection, so a recovery must set it again.
 * <p>
 * A demo prop, not a library: {@link #kill()} drops the server the way a crash does
 * (clients see a connection reset), {@link #restart()} brings it back on the same port.
 */
public final class EmbeddedLineServer extends EmbeddedTcpServer {

	private EmbeddedLineServer() {
		super("line-server");
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
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
	}

	@Override
	void serve(Socket client) throws IOException {
		BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
		Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
		String name = "world";
		for (String line = in.readLine(); line != null; line = in.readLine()) {
			String reply;
			if (line.startsWith("NAME ")) {
				name = line.substring(5);
				reply = "OK";
			}
			else if (line.equals("HELLO")) {
				reply = "Hello, " + name;
			}
			else {
				reply = reply(line);
			}
			out.write(reply + "\n");
			out.flush();
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

}
