package io.hacover.test;

import io.hacover.core.RecoveryFailedException;
import io.hacover.core.StaleConnectionException;

/**
 * Reads what a call on the connection threw: the stale error of an injected fault, and
 * the reason of a recovery that gave up, attached as suppressed (H11).
 */
final class CallFailure {

	private CallFailure() {
	}

	/**
	 * Describes a failure with the reason of the give-up, if any.
	 * @param failure what the call threw
	 * @return the description
	 */
	static String describe(Throwable failure) {
		StringBuilder text = new StringBuilder(String.valueOf(failure));
		for (Throwable t = failure; t != null; t = next(t)) {
			for (Throwable suppressed : t.getSuppressed()) {
				if (suppressed instanceof RecoveryFailedException) {
					text.append("; the recovery gave up: ").append(suppressed.getMessage());
				}
			}
		}
		return text.toString();
	}

	/**
	 * Returns whether the call threw the stale error of the connection's injected fault,
	 * with the reason of the give-up attached as suppressed, anywhere in its causes.
	 * @param thrown what the call threw
	 * @param connection the connection's name
	 * @return {@code true} for the original error with its reason
	 */
	static boolean isOriginalWithReason(Throwable thrown, String connection) {
		boolean stale = false;
		boolean reason = false;
		for (Throwable t = thrown; t != null; t = next(t)) {
			stale |= t instanceof StaleConnectionException && String.valueOf(t.getMessage()).contains(connection);
			for (Throwable suppressed : t.getSuppressed()) {
				reason |= suppressed instanceof RecoveryFailedException;
			}
		}
		return stale && reason;
	}

	private static Throwable next(Throwable t) {
		return (t.getCause() != t) ? t.getCause() : null;
	}

}
