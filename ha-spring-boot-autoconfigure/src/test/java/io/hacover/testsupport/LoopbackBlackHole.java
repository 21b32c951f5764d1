package io.hacover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A black hole in the kernel for what a server on a port of 127.0.0.1 sends: its packets
 * are dropped by the routing of the machine (an {@code ip rule} that sends TCP from that
 * port to a table whose only route is a blackhole), so its peers see silence, no reset
 * and no refusal, as when a server's host or network dies. Unlike a proxy that stops
 * forwarding, nothing answers TCP keepalive probes or a new connection's SYN, so this is
 * what dead-peer detection (H35) must find.
 * <p>
 * Needs root (CAP_NET_ADMIN) and {@code ip} from iproute2: {@link #available()} tells.
 * While a hole is open, the lookup of the local table moves from rule priority 0 to 10,
 * so that the rules for the holes (priority 5) come first; closing the last hole puts it
 * back. Tests of one JVM share the holes; a JVM shutdown closes those left open.
 */
public final class LoopbackBlackHole implements AutoCloseable {

	private static final int TABLE = 7077;

	private static final String LOCAL_PRIORITY = "10";

	private static final String HOLE_PRIORITY = "5";

	private static final ReentrantLock lock = new ReentrantLock();

	private static final List<LoopbackBlackHole> open = new ArrayList<>();

	private static boolean hookAdded;

	private final int port;

	private boolean closed;

	private LoopbackBlackHole(int port) {
		this.port = port;
	}

	/**
	 * Tells whether holes can be made here: {@code ip rule} can be read and changed.
	 * @return whether {@link #drop(int)} works
	 */
	public static boolean available() {
		try {
			run("ip", "route", "replace", "blackhole", "127.0.0.0/8", "table", Integer.toString(TABLE));
			run("ip", "route", "flush", "table", Integer.toString(TABLE));
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Drops, from now on, every TCP packet sent from the given port of 127.0.0.1: on
	 * connections open already and on new ones.
	 * @param port the server's port
	 * @return the hole, to close when the server should be heard again
	 */
	public static LoopbackBlackHole drop(int port) {
		lock.lock();
		try {
			if (open.isEmpty()) {
				run("ip", "route", "replace", "blackhole", "127.0.0.0/8", "table", Integer.toString(TABLE));
				run("ip", "rule", "add", "pref", LOCAL_PRIORITY, "lookup", "local");
				run("ip", "rule", "del", "pref", "0");
			}
			if (!hookAdded) {
				Runtime.getRuntime().addShutdownHook(new Thread(LoopbackBlackHole::closeAll, "loopback-black-holes"));
				hookAdded = true;
			}
			LoopbackBlackHole hole = new LoopbackBlackHole(port);
			run("ip", "rule", "add", "pref", HOLE_PRIORITY, "ipproto", "tcp", "sport", Integer.toString(port), "table",
					Integer.toString(TABLE));
			open.add(hole);
			return hole;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Lets the server's packets through again.
	 */
	@Override
	public void close() {
		lock.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			open.remove(this);
			run("ip", "rule", "del", "pref", HOLE_PRIORITY, "ipproto", "tcp", "sport", Integer.toString(this.port),
					"table", Integer.toString(TABLE));
			if (open.isEmpty()) {
				run("ip", "rule", "add", "pref", "0", "lookup", "local");
				run("ip", "rule", "del", "pref", LOCAL_PRIORITY);
				run("ip", "route", "flush", "table", Integer.toString(TABLE));
			}
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "LoopbackBlackHole[sport " + this.port + (this.closed ? ", closed]" : "]");
	}

	private static void closeAll() {
		for (LoopbackBlackHole hole : List.copyOf(open)) {
			hole.close();
		}
	}

	private static void run(String... command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " did not end");
			}
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(
						String.join(" ", command) + " failed (" + process.exitValue() + "): " + output.trim());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
