package io.hacover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The Linux kernel's own view of a TCP socket of this machine, read from
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6}: which timer runs on it, and when it
 * fires. Lets a test see that a socket made inside a driver (which the test cannot reach)
 * has TCP keepalive on, and with what idle time, without trusting the code that set it.
 * <p>
 * A socket with keepalive on that is idle runs the {@link Timer#KEEPALIVE keepalive}
 * timer, due at most the keepalive idle time (or the probe interval, once probes are
 * sent) from now; one without keepalive runs no timer while idle.
 */
public final class KernelTcpSockets {

	private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

	/**
	 * Clock ticks per second of the timer field ({@code USER_HZ}, 100 on every Linux
	 * architecture).
	 */
	private static final long TICKS_PER_SECOND = 100;

	private KernelTcpSockets() {
	}

	/**
	 * Returns whether the kernel's socket tables can be read here (Linux with
	 * {@code /proc}).
	 * @return whether {@link #find(int, int)} can work
	 */
	public static boolean available() {
		return Files.isReadable(TABLES.get(0));
	}

	/**
	 * Finds the TCP socket of this machine's network namespace with the given local and
	 * remote ports, over IPv4 or IPv6.
	 * @param localPort the socket's own port
	 * @param remotePort the port of its peer
	 * @return the kernel's view of the socket, or empty if there is none
	 */
	public static Optional<KernelSocket> find(int localPort, int remotePort) {
		for (Path table : TABLES) {
			if (!Files.isReadable(table)) {
				continue;
			}
			try {
				for (String line : Files.readAllLines(table)) {
					Optional<KernelSocket> socket = parse(line, localPort, remotePort);
					if (socket.isPresent()) {
						return socket;
					}
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot read " + table, ex);
			}
		}
		return Optional.empty();
	}

	/**
	 * Parses one line such as
	 * {@code 3: 0100007F:A1B2 0100007F:1538 01 00000000:00000000 02:0000005E 00000000 ...}
	 * (slot, local address:port, remote address:port, state, queues, timer:expiry, ...).
	 */
	private static Optional<KernelSocket> parse(String line, int localPort, int remotePort) {
		String[] fields = line.trim().split("\\s+");
		if (fields.length < 6 || !fields[0].endsWith(":") || port(fields[1]) != localPort
				|| port(fields[2]) != remotePort) {
			return Optional.empty();
		}
		String[] timer = fields[5].split(":");
		long ticks = Long.parseLong(timer[1], 16);
		return Optional.of(new KernelSocket(Timer.of(Integer.parseInt(timer[0], 16)),
				Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND)));
	}

	private static int port(String address) {
		int colon = address.lastIndexOf(':');
		return (colon < 0) ? -1 : Integer.parseInt(address.substring(colon + 1), 16);
	}

	/**
	 * What the kernel says about one socket.
	 *
	 * @param timer the timer that runs on it
	 * @param dueIn when that timer fires, from now
	 */
	public record KernelSocket(Timer timer, Duration dueIn) {

	}

	/**
	 * The timer column of the kernel's socket table.
	 */
	public enum Timer {

		/**
		 * No timer runs (an idle socket without keepalive).
		 */
		NONE,

		/**
		 * A retransmission timer runs: data is unacknowledged.
		 */
		RETRANSMIT,

		/**
		 * The keepalive timer runs: the socket has keepalive on.
		 */
		KEEPALIVE,

		/**
		 * Another timer runs (time-wait, zero window probe).
		 */
		OTHER;

		static Timer of(int code) {
			return switch (code) {
				case 0 -> NONE;
				case 1 -> RETRANSMIT;
				case 2 -> KEEPALIVE;
				default -> OTHER;
			};
		}

	}

}
