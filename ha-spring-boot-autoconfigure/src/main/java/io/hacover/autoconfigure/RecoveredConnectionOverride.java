package io.hacover.autoconfigure;

import java.sql.SQLException;

import com.zaxxer.hikari.SQLExceptionOverride;
import io.hacover.jdbc.CommitOutcomeUnknownException;

/**
 * Keeps HikariCP from evicting an HA connection for {@code 08007} when the connection was
 * recovered and only the commit's outcome is unknown (J4). HikariCP evicts a connection
 * on any SQLState of class {@code 08}; Spring's rollback after the failed commit would
 * then fail with "Connection is closed" and replace the commit's error, so that the
 * caller could no longer see that the outcome is unknown. Every other error goes to the
 * application's own override, if it set one, or is judged as HikariCP judges it.
 */
final class RecoveredConnectionOverride implements SQLExceptionOverride {

	private final SQLExceptionOverride next;

	RecoveredConnectionOverride(SQLExceptionOverride next) {
		this.next = next;
	}

	@java.lang.Override
	public Override adjudicate(SQLException ex) {
		if (ex instanceof CommitOutcomeUnknownException) {
			return Override.DO_NOT_EVICT;
		}
		return (this.next != null) ? this.next.adjudicate(ex) : Override.CONTINUE_EVICT;
	}

}
