package io.hacover.io;

import java.io.IOException;

import io.hacover.core.Attachment;
import io.hacover.core.HaConnections;

/**
 * Opens the connections of the I/O covers, whose callers expect an {@link IOException}
 * when opening fails.
 */
final class Opening {

	private Opening() {
	}

	/**
	 * Opens and attaches as {@link HaConnections#open(Attachment)} does (H6): an
	 * {@link IOException} or an unchecked exception is thrown as it is, any other failure
	 * becomes an {@link IOException} that says what could not be opened.
	 * @param <T> the interface type
	 * @param connections the table
	 * @param attachment what to open
	 * @param what what is being opened, for the message
	 * @return the HA connection
	 * @throws IOException when opening or attaching fails
	 */
	static <T> T open(HaConnections connections, Attachment<T> attachment, String what) throws IOException {
		try {
			return connections.open(attachment);
		}
		catch (IOException | RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new IOException("cannot open " + what, ex);
		}
	}

}
