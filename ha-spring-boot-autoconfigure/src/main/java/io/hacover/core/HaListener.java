package io.hacover.core;

/**
 * Hears about attach, detach, recovery and retransmission of HA connections.
 * <p>
 * Called synchronously on the thread where the event happens, never under a record's lock
 * (H32). {@link HaEvent.Kind#RECOVERY_STARTED} and {@link HaEvent.Kind#ATTEMPT_FAILED}
 * are told while the recovery is in progress, on the thread that leads it: a listener
 * must be quick, and a control operation of the same connection called from there fails
 * at once (H22). {@link HaEvent.Kind#RECOVERED}, {@link HaEvent.Kind#GAVE_UP} and
 * {@link HaEvent.Kind#INTERRUPTED} are told after the recovery ended, so a listener may
 * act on the connection then. What a listener throws, an {@link Error} included, is
 * logged once and changes nothing else (H32).
 */
@FunctionalInterface
public interface HaListener {

	/**
	 * Called for each event.
	 * @param event the event
	 */
	void onEvent(HaEvent event);

}
