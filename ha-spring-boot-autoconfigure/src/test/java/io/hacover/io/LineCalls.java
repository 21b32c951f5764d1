package io.hacover.io;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Request and reply over a channel to a {@link io.hacover.testsupport.LineServer}, for
 * the tests of the socket cover.
 */
final class LineCalls {

	private LineCalls() {
	}

	/**
	 * Sends a request line and reads the reply line.
	 * @param channel the channel
	 * @param request the request, without the line end
	 * @return the reply, without the line end
	 * @throws IOException when the channel fails, or ends before the reply does
	 */
	static String call(ByteChannel channel, String request) throws IOException {
		ByteBuffer line = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
		while (line.hasRemaining()) {
			channel.write(line);
		}
		ByteArrayOutputStream reply = new ByteArrayOutputStream();
		ByteBuffer next = ByteBuffer.allocate(1);
		while (true) {
			next.clear();
			if (channel.read(next) < 0) {
				throw new EOFException("end of stream before the end of the line " + reply);
			}
			if (next.get(0) == '\n') {
				return reply.toString(StandardCharsets.UTF_8);
			}
			reply.write(next.get(0));
		}
	}

	/**
	 * Returns whether a write on a plain socket fails: whether it has seen the reset of a
	 * killed server.
	 * @param plain the plain socket
	 * @return {@code true} once a write fails
	 */
	static boolean writeFails(SocketConnection plain) {
		try {
			plain.write(ByteBuffer.wrap(new byte[] { '\n' }));
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

}
