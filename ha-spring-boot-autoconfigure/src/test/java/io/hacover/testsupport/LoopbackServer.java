package io.hacover.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import static io.hacover.testsupport.Sockets.closeQuietly;
import static io.hacover.testsupport.Sockets.loopback;

/**
 * The life of a real TCP server on 127.0.0.1 that tests kill and restart on the same
 * port: accepting, one daemon thread per connection, {@link #kill()}, {@link #restart()}
 * and {@link #close()}. Subclasses speak the protocol ({@link #serve(Socket)}).
 * <p>
 * The accepting thread is named {@code <name>-<port>-acceptor} and the connection threads
 * {@code <name>-<port>-N}. The listening socket uses {@code SO_REUSEADDR} so that
 * {@link #restart()} can bind the same port immediately after {@link #kill()}.
 */
public abstract class LoopbackServer implements AutoCloseable {

	private static final InetAddress LOOPBACK = loopback();

	private static final int BACKLOG = 256;

	private static final long JOIN_MILLIS = 5_000;

	private final String name;

	private final AtomicInteger connectionsAccepted = new AtomicInteger();

	private final AtomicInteger threadNumber = new AtomicInteger();

	private final AtomicInteger serving = new AtomicInteger();

	private final ReentrantLock servingLock = new ReentrantLock();

	private final Condition noneServing = this.servingLock.newCondition();

	private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final ReentrantReadWriteLock killLock = new ReentrantReadWriteLock();

	private final int port;

	private final ExecutorService handlers;

	private volatile ServerSocket serverSocket;

	private volatile Thread acceptor;

	private volatile boolean closed;

	/**
	 * Binds the port and starts accepting.
	 * @param name the prefix of the threads' names
	 * @param requestedPort the port to bind, {@code 0} for an ephemeral one
	 * @throws IOException if the port cannot be bound
	 * @throws IllegalArgumentException if the port is out of range
	 */
	protected LoopbackServer(String name, int requestedPort) throws IOException {
		if (requestedPort < 0 || requestedPort > 65535) {
			throw new IllegalArgumentException("port out of range: " + requestedPort);
		}
		this.name = name;
		ServerSocket socket = bind(requestedPort);
		this.port = socket.getLocalPort();
		this.handlers = Executors.newCachedThreadPool(this::newHandlerThread);
		startAccepting(socket);
	}

	/**
	 * Serves one accepted connection until it ends; the socket is closed afterwards. An
	 * {@link IOException} means the peer reset it or the server was killed.
	 * @param client the connection
	 * @throws IOException when the connection fails
	 * @throws InterruptedException when the server is closed
	 */
	protected abstract void serve(Socket client) throws IOException, InterruptedException;

	/**
	 * Runs an effect of a request (a count, a reply) only while the connection is open,
	 * under a lock that {@link #kill()} takes, so that nothing happens any more once
	 * {@link #kill()} has returned.
	 * @param <T> the type of the effect's result
	 * @param client the connection
	 * @param effect the effect
	 * @return the effect's result, or {@code null} if the connection was killed
	 */
	protected final <T> T whileOpen(Socket client, Supplier<T> effect) {
		this.killLock.readLock().lock();
		try {
			return this.openSockets.contains(client) ? effect.get() : null;
		}
		finally {
			this.killLock.readLock().unlock();
		}
	}

	/**
	 * Returns the port this server listens on.
	 * <p>
	 * The port is fixed for the lifetime of this object, including across {@link #kill()}
	 * and {@link #restart()}.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Kills the server abruptly.
	 * <p>
	 * Closes the listening socket, then closes every open client connection with
	 * {@code SO_LINGER 0} so that clients see a connection reset (or end of stream).
	 * Returns only once the listening socket is closed and the accepting thread has
	 * ended, so a connect to {@link #port()} is refused afterwards, and once every
	 * connection thread has left its socket, so no request of the killed connections can
	 * have any further effect ({@link #whileOpen}). Idempotent; counters are kept.
	 */
	public void kill() {
		this.lifecycleLock.lock();
		try {
			ServerSocket socket = this.serverSocket;
			if (socket != null) {
				closeQuietly(socket);
			}
			this.killLock.writeLock().lock();
			try {
				for (Socket client : this.openSockets) {
					abort(client);
				}
			}
			finally {
				this.killLock.writeLock().unlock();
			}
			Thread accepting = this.acceptor;
			if (accepting != null && accepting != Thread.currentThread()) {
				joinQuietly(accepting);
			}
			awaitNoneServing();
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Starts accepting again on the same port after {@link #kill()}.
	 * <p>
	 * Binds {@link #port()} anew (with {@code SO_REUSEADDR}) and returns once the server
	 * accepts connections.
	 * @throws IllegalStateException if the server is running or has been closed
	 * @throws IOException if the port cannot be bound (for example, because another
	 * socket took it in the meantime)
	 */
	public void restart() throws IOException {
		this.lifecycleLock.lock();
		try {
			if (this.closed) {
				throw new IllegalStateException(this + " is closed");
			}
			if (running()) {
				throw new IllegalStateException(this + " is running");
			}
			startAccepting(bind(this.port));
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Returns whether the server is accepting connections.
	 * <p>
	 * {@code true} from start or {@link #restart()} until {@link #kill()} or
	 * {@link #close()}.
	 * @return whether the listening socket is open
	 */
	public boolean running() {
		ServerSocket socket = this.serverSocket;
		return socket != null && !socket.isClosed();
	}

	/**
	 * Returns how many connections this server has accepted.
	 * <p>
	 * The total over all lifetimes (start and every restart) of this object.
	 * @return the number of accepted connections
	 */
	public int connectionsAccepted() {
		return this.connectionsAccepted.get();
	}

	/**
	 * Returns how many client connections are currently open.
	 * <p>
	 * A connection counts from its acceptance until it is closed by the client, by the
	 * server, by {@link #kill()} or by a failure. It drops to {@code 0} right after
	 * {@link #kill()}; after a client closes, it drops asynchronously (await it).
	 * @return the number of open connections
	 */
	public int openConnections() {
		return this.openSockets.size();
	}

	/**
	 * Kills the server for good and stops its threads.
	 * <p>
	 * Same as {@link #kill()}, then interrupts the connection-handling threads and waits
	 * briefly for them to end. Idempotent; {@link #restart()} is not possible afterwards.
	 */
	@Override
	public void close() {
		this.lifecycleLock.lock();
		try {
			this.closed = true;
			kill();
			this.handlers.shutdownNow();
		}
		finally {
			this.lifecycleLock.unlock();
		}
		try {
			this.handlers.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Returns a description naming the class, the port and whether the server runs.
	 * @return the description
	 */
	@Override
	public String toString() {
		return getClass().getSimpleName() + "[127.0.0.1:" + this.port + (running() ? ", running]" : ", killed]");
	}

	private static ServerSocket bind(int port) throws IOException {
		ServerSocket socket = new ServerSocket();
		try {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(LOOPBACK, port), BACKLOG);
			return socket;
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw ex;
		}
	}

	private void startAccepting(ServerSocket socket) {
		this.serverSocket = socket;
		Thread thread = new Thread(() -> acceptLoop(socket), this.name + "-" + this.port + "-acceptor");
		thread.setDaemon(true);
		this.acceptor = thread;
		thread.start();
	}

	private void acceptLoop(ServerSocket listening) {
		while (true) {
			Socket client;
			try {
				client = listening.accept();
			}
			catch (IOException ex) {
				return;
			}
			this.connectionsAccepted.incrementAndGet();
			this.openSockets.add(client);
			if (listening.isClosed()) {
				// kill() raced with accept(): it may have missed this socket
				abort(client);
				return;
			}
			try {
				this.handlers.execute(() -> handle(client));
			}
			catch (RejectedExecutionException ex) {
				abort(client);
				return;
			}
		}
	}

	private void handle(Socket client) {
		this.serving.incrementAndGet();
		try (client) {
			client.setTcpNoDelay(true);
			serve(client);
		}
		catch (IOException ex) {
			// reset by the peer or killed: nothing to do but forget the connection
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.openSockets.remove(client);
			if (this.serving.decrementAndGet() == 0) {
				this.servingLock.lock();
				try {
					this.noneServing.signalAll();
				}
				finally {
					this.servingLock.unlock();
				}
			}
		}
	}

	/**
	 * Waits until every connection thread has left its socket: the JDK sends the reset of
	 * a socket closed while another thread reads it only once that thread leaves the
	 * read, so a kill is complete only then.
	 */
	private void awaitNoneServing() {
		this.servingLock.lock();
		try {
			long nanos = TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
			while (this.serving.get() > 0 && nanos > 0) {
				nanos = this.noneServing.awaitNanos(nanos);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.servingLock.unlock();
		}
	}

	private Thread newHandlerThread(Runnable task) {
		Thread thread = new Thread(task, this.name + "-" + this.port + "-" + this.threadNumber.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	}

	private void abort(Socket client) {
		this.openSockets.remove(client);
		try {
			client.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// already closed
		}
		closeQuietly(client);
	}

	private static void joinQuietly(Thread thread) {
		try {
			thread.join(JOIN_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
