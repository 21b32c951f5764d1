/**
 * The JDBC cover: an HA {@code DataSource} whose connections and statements survive the
 * death of the database behind them, with the session-state journal, the SQLState
 * classifier and the checks of what may be issued again inside and outside a transaction.
 * Depends on {@code io.hacover.core}, the JDK's JDBC API and spring-core only; it knows
 * database drivers by their SQLStates, never by their classes.
 */
package io.hacover.jdbc;
