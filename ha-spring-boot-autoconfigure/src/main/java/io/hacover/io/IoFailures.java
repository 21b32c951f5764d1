package io.hacover.io;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Gives the I/O failures of the covers a message that says what could not be reached: the
 * JDK's own often says nothing ({@code ConnectException} with a {@code null} message) or
 * only {@code Connection reset}.
 * <p>
 * The new failure is of the same type as the JDK's, which becomes its cause, so that the
 * {@link io.hacover.core.StaleConnectionClassifier} decides as it did (H8) and the
 * back-off still retries it (H30). A failure whose type cannot be made again is returned
 * as it is.
 */
final class IoFailures {

	private IoFailures() {
	}

	/**
	 * Returns a failure of the same type as {@code failure}, with the given message, the
	 * first message found along its causes in parentheses, and {@code failure} as cause.
	 * @param failure what the JDK threw
	 * @param message what could not be done, for example {@code connection 'remote':
	 * cannot connect to http://host:8080/data.bin}
	 * @param advice what to check, or {@code null}
	 * @return the described failure, or {@code failure} itself if its type cannot be made
	 * again
	 */
	static IOException describe(IOException failure, String message, String advice) {
		String text = message + because(failure) + ((advice != null) ? "; " + advice : "");
		IOException described = sameType(failure, text);
		if (described == null) {
			return failure;
		}
		described.initCause(failure);
		return described;
	}

	/**
	 * Returns a file system failure of the same type, for the same file, whose reason
	 * starts with the given words: {@code /data/app.log: connection 'log': no such file}.
	 * @param failure what the file system threw
	 * @param connection who could not open the file, for example {@code connection
	 * 'log'}
	 * @return the described failure, or {@code failure} itself if its type cannot be made
	 * again
	 */
	static FileSystemException describe(FileSystemException failure, String connection) {
		String reason = connection + ": "
				+ ((failure.getReason() != null) ? failure.getReason() : defaultReason(failure));
		FileSystemException described;
		if (failure.getClass() == NoSuchFileException.class) {
			described = new NoSuchFileException(failure.getFile(), failure.getOtherFile(), reason);
		}
		else if (failure.getClass() == AccessDeniedException.class) {
			described = new AccessDeniedException(failure.getFile(), failure.getOtherFile(), reason);
		}
		else if (failure.getClass() == FileSystemException.class) {
			described = new FileSystemException(failure.getFile(), failure.getOtherFile(), reason);
		}
		else {
			return failure;
		}
		described.initCause(failure);
		return described;
	}

	private static String defaultReason(FileSystemException failure) {
		if (failure instanceof NoSuchFileException) {
			return "no such file";
		}
		if (failure instanceof AccessDeniedException) {
			return "access denied";
		}
		return "cannot open it";
	}

	private static IOException sameType(IOException failure, String message) {
		Class<?> type = failure.getClass();
		if (type == ConnectException.class) {
			return new ConnectException(message);
		}
		if (type == HttpConnectTimeoutException.class) {
			return new HttpConnectTimeoutException(message);
		}
		if (type == SocketTimeoutException.class) {
			return new SocketTimeoutException(message);
		}
		if (type == SocketException.class) {
			return new SocketException(message);
		}
		if (type == EOFException.class) {
			return new EOFException(message);
		}
		if (type == IOException.class) {
			return new IOException(message);
		}
		return null;
	}

	/**
	 * Returns the first message found along the causes of a failure, in parentheses after
	 * a space, to append to a message of the library's own.
	 * @param failure the failure
	 * @return {@code " (Connection reset)"} for example, or an empty string if no cause
	 * has a message
	 */
	static String because(Throwable failure) {
		String reason = reason(failure);
		return (reason != null) ? " (" + reason + ")" : "";
	}

	/**
	 * Returns the first message along the cause chain, or {@code null} if none has one.
	 */
	private static String reason(Throwable failure) {
		Map<Throwable, Boolean> seen = new IdentityHashMap<>();
		for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
			if (t.getMessage() != null && !t.getMessage().isBlank()) {
				return t.getMessage();
			}
		}
		return null;
	}

}
