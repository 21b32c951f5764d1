/**
 * A test kit for the recovery functions of an application: {@code RecoveryContract}
 * checks, in the running application context and against the connection's real server,
 * that a connection's recovery function recovers it once per outage, returns the right
 * type, closes what it replaces, gives up within its budget, can be replaced by name and
 * rebuilds the session state. It makes the outages with the engine's fault injection
 * ({@code ConnectionControl.injectFailures} and {@code injectOutage}). Depends on
 * {@code io.hacover.core}, the Spring layer and Spring Framework; nothing in the library
 * depends on it.
 */
package io.hacover.test;
