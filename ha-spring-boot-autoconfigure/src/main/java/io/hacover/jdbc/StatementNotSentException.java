package io.hacover.jdbc;

import java.sql.SQLNonTransientConnectionException;

/**
 * Says that a statement was not sent because the connection's backend was found dead
 * first (J3): after the connection sat idle, one validation found the backend gone
 * (terminated, or the server restarted). A stale error (SQLState {@code 08003}); the
 * statement provably never reached the server, so it is issued again on the recovered
 * connection unless a transaction was open, which the server has rolled back.
 */
final class StatementNotSentException extends SQLNonTransientConnectionException {

	StatementNotSentException() {
		super("the backend of this connection died while it sat idle; the statement was not sent", "08003");
	}

}
