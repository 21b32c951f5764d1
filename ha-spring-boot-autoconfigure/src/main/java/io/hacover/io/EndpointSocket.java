package io.hacover.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;

/**
 * The plain {@link SocketConnection}: a blocking {@link Socket} connected to one
 * endpoint, with the options it was connected with, so that a recovery can connect the
 * next one alike.
 */
final class EndpointSocket implements SocketConnection {

	private static final int TRANSFER_SIZE = 8192;

	private final Socket socket;

	private final InetSocketAddress endpoint;

	private final SocketOptions options;

	private final String connection;

	private final InputStream in;

	private final OutputStream out;

	private EndpointSocket(Socket socket, InetSocketAddress endpoint, SocketOptions options, String name)
			throws IOException {
		this.socket = socket;
		this.endpoint = endpoint;
		this.options = options;
		this.connection = "connection '" + name + "'";
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
	}

	/**
	 * Connects to one endpoint and runs the handshake on the fresh socket; closes the
	 * socket if either fails.
	 * @param endpoint the endpoint; an unresolved one is looked up now
	 * @param options the timeouts and the handshake
	 * @param name the connection's name, for the messages of failed reads and writes
	 * @return the connected socket
	 * @throws IOException when the connect, the lookup or the handshake fails
	 */
	static EndpointSocket connect(InetSocketAddress endpoint, SocketOptions options, String name) throws IOException {
		InetSocketAddress address = endpoint.isUnresolved()
				? new InetSocketAddress(endpoint.getHostString(), endpoint.getPort()) : endpoint;
		Socket socket = new Socket();
		try {
			socket.setSoTimeout(millis(options.readTimeout()));
			socket.connect(address, millis(options.connectTimeout()));
			EndpointSocket connection = new EndpointSocket(socket, endpoint, options, name);
			options.handshake().perform(connection);
			return connection;
		}
		catch (IOException | RuntimeException | Error ex) {
			closeQuietly(socket, ex);
			throw ex;
		}
	}

	SocketOptions options() {
		return this.options;
	}

	@Override
	public InetSocketAddress endpoint() {
		return this.endpoint;
	}

	@Override
	public int read(ByteBuffer dst) throws IOException {
		requireOpen();
		if (!dst.hasRemaining()) {
			return 0;
		}
		try {
			return readFromStream(dst);
		}
		catch (IOException ex) {
			throw IoFailures.describe(ex, this.connection + ": reading from " + describe(this.endpoint) + " failed",
					null);
		}
	}

	private int readFromStream(ByteBuffer dst) throws IOException {
		if (dst.hasArray()) {
			int count = this.in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
			if (count > 0) {
				dst.position(dst.position() + count);
			}
			return count;
		}
		byte[] chunk = new byte[Math.min(dst.remaining(), TRANSFER_SIZE)];
		int count = this.in.read(chunk);
		if (count > 0) {
			dst.put(chunk, 0, count);
		}
		return count;
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		requireOpen();
		try {
			return writeToStream(src);
		}
		catch (IOException ex) {
			throw IoFailures.describe(ex, this.connection + ": writing to " + describe(this.endpoint) + " failed",
					null);
		}
	}

	private int writeToStream(ByteBuffer src) throws IOException {
		int count = src.remaining();
		if (src.hasArray()) {
			this.out.write(src.array(), src.arrayOffset() + src.position(), count);
			src.position(src.position() + count);
			return count;
		}
		// Advance src only once all of it is written, so a re-issue writes it whole.
		ByteBuffer pending = src.duplicate();
		byte[] chunk = new byte[Math.min(count, TRANSFER_SIZE)];
		while (pending.hasRemaining()) {
			int length = Math.min(pending.remaining(), chunk.length);
			pending.get(chunk, 0, length);
			this.out.write(chunk, 0, length);
		}
		src.position(src.limit());
		return count;
	}

	@Override
	public boolean isOpen() {
		return !this.socket.isClosed();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	@Override
	public String toString() {
		return "SocketConnection[" + describe(this.endpoint) + (isOpen() ? "]" : ", closed]");
	}

	/**
	 * Returns an endpoint as {@code host:port}.
	 * @param endpoint the endpoint
	 * @return its host and port
	 */
	static String describe(InetSocketAddress endpoint) {
		return endpoint.getHostString() + ":" + endpoint.getPort();
	}

	private void requireOpen() throws ClosedChannelException {
		if (this.socket.isClosed()) {
			throw new ClosedChannelException();
		}
	}

	private static int millis(Duration duration) {
		if (duration.isZero()) {
			return 0;
		}
		// At least 1 ms: a positive timeout must not turn into "for ever".
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
	}

	private static void closeQuietly(Socket socket, Throwable failure) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			failure.addSuppressed(ex);
		}
	}

}
