package io.hacover.soak;

import java.time.Duration;

/**
 * One fault of a {@link Schedule}.
 *
 * @param after how long after the previous fault ended (held, healed, the server started
 * again) it begins
 * @param kind what it does
 * @param hold how long it lasts before it is healed ({@link Duration#ZERO} for faults
 * that do not hold)
 * @param choice a random number that picks the details: the statement a cut matches, the
 * backend to terminate, the delay of a latency
 */
record Fault(Duration after, FaultKind kind, Duration hold, int choice) {

}
