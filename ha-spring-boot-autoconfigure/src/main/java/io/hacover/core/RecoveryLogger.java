package io.hacover.core;

import java.util.Locale;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs what happens to HA connections, one line per event, with credentials masked
 * ({@link CredentialMasker}), so that an application without a listener of its own sees
 * each outage:
 * <ul>
 * <li>{@code WARN} a stale error that starts a recovery: {@code Connection 'remote'
 * (http) lost: ConnectException: ...; recovering};
 * <li>{@code INFO} a failed attempt whose number is a power of two (1, 2, 4, 8, ...), so
 * that a long outage logs a few lines, not one per attempt; {@code DEBUG} the others;
 * <li>{@code INFO} a recovery: {@code Connection 'remote' (http) recovered in 412 ms
 * after 3 attempts};
 * <li>{@code WARN} a give-up, with its reason; {@code INFO} an interrupted recovery;
 * <li>{@code DEBUG} every other event (attached, detached, retransmitted, ...).
 * </ul>
 * The log category is {@code io.hacover.core.RecoveryLogger}.
 */
final class RecoveryLogger {

	private static final Log logger = LogFactory.getLog(RecoveryLogger.class);

	private RecoveryLogger() {
	}

	/**
	 * Logs an event.
	 * @param event the event
	 * @param kindOf the kind of a connection by name ({@code jdbc}, {@code http}, ...),
	 * or {@code null} if it is not known; asked only for a line that is logged
	 */
	static void log(HaEvent event, Function<String, String> kindOf) {
		switch (event.kind()) {
			case RECOVERY_STARTED -> {
				if (logger.isWarnEnabled()) {
					logger.warn(connection(event, kindOf) + " lost: " + describe(event.cause()) + "; recovering");
				}
			}
			case ATTEMPT_FAILED -> {
				boolean info = Integer.bitCount(event.attempt()) == 1;
				if (info ? logger.isInfoEnabled() : logger.isDebugEnabled()) {
					String line = connection(event, kindOf) + ": recovery attempt " + event.attempt() + " failed: "
							+ ((event.cause() != null) ? describe(event.cause())
									: "the recovery function gave up (returned null)");
					if (info) {
						logger.info(line);
					}
					else {
						logger.debug(line);
					}
				}
			}
			case RECOVERED -> {
				if (logger.isInfoEnabled()) {
					logger.info(connection(event, kindOf) + " recovered in " + event.duration().toMillis()
							+ " ms after " + attempts(event));
				}
			}
			case GAVE_UP -> {
				if (logger.isWarnEnabled()) {
					logger.warn(connection(event, kindOf) + ": recovery gave up "
							+ ((event.attempt() > 0) ? "after " + attempts(event) + " " : "") + "in "
							+ event.duration().toMillis() + " ms: " + reason(event) + "; callers get the stale error");
				}
			}
			case INTERRUPTED -> {
				if (logger.isInfoEnabled()) {
					logger.info(connection(event, kindOf) + ": recovery interrupted after "
							+ event.duration().toMillis() + " ms; nothing counted");
				}
			}
			default -> {
				if (logger.isDebugEnabled()) {
					logger.debug(connection(event, kindOf) + ": "
							+ event.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ')
							+ ((event.cause() != null) ? " (" + describe(event.cause()) + ")" : ""));
				}
			}
		}
	}

	private static String connection(HaEvent event, Function<String, String> kindOf) {
		String kind = kindOf.apply(event.connection());
		return "Connection '" + event.connection() + "'" + ((kind != null) ? " (" + kind + ")" : "");
	}

	private static String attempts(HaEvent event) {
		return event.attempt() + ((event.attempt() == 1) ? " attempt" : " attempts");
	}

	/**
	 * Returns why a recovery gave up: the message of the reason attached to the stale
	 * error (H11), without the connection's name and the count of attempts that the line
	 * already gives; or the stale error itself.
	 */
	private static String reason(HaEvent event) {
		Throwable cause = event.cause();
		if (cause == null) {
			return "no reason given";
		}
		Throwable[] suppressed = cause.getSuppressed();
		for (int i = suppressed.length - 1; i >= 0; i--) {
			if (suppressed[i] instanceof RecoveryFailedException reason && reason.getMessage() != null) {
				String text = firstLine(CredentialMasker.mask(reason.getMessage()));
				String prefix = "connection '" + event.connection() + "': ";
				text = text.startsWith(prefix) ? text.substring(prefix.length()) : text;
				int colon = text.indexOf(": ");
				return (text.startsWith("recovery gave up after ") && colon >= 0) ? text.substring(colon + 2) : text;
			}
		}
		return describe(cause);
	}

	/**
	 * Returns an error as one line: its simple class name and the first line of its
	 * message, credentials masked.
	 */
	private static String describe(Throwable error) {
		String message = error.getMessage();
		String type = error.getClass().getSimpleName().isEmpty() ? error.getClass().getName()
				: error.getClass().getSimpleName();
		return (message != null) ? type + ": " + firstLine(CredentialMasker.mask(message)) : type;
	}

	private static String firstLine(String text) {
		return text.lines().findFirst().orElse("");
	}

}
