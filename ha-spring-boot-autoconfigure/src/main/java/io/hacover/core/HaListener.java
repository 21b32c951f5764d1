package io.hacover.core;

/**
 * Hears about attach, detach, recovery and retransmission of HA connections.
 * <p>
 * Called synchronously on the thread where the event happens, recovery events while the
 * connection's recovery is in progress: a listener must be quick and must not call the
 * control operations of the same connection (H22). An exception thrown by a listener is
 * logged and otherwise ignored.
 */
@FunctionalInterface
public interface HaListener {

	/**
	 * Called for each event.
	 * @param event the event
	 */
	void onEvent(HaEvent event);

}
