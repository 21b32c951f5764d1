package io.hacover.soak;

import java.time.Duration;

/**
 * One fault of a {@link Schedule}.
 *
 * @param at when it begins, from the start of the soak
 * @param kind what it does
 * @param hold how long it lasts before it is healed ({@link Duration#ZERO} for faults
 * that do not hold)
 * @param choice a random number that picks the details: the statement a cut matches, the
 * backend to terminate, the delay of a latency
 */
record Fault(Duration at, FaultKind kind, Duration hold, int choice) {

}
