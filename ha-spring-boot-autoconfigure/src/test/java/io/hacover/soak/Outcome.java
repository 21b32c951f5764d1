package io.hacover.soak;

import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;

import io.hacover.jdbc.CommitOutcomeUnknownException;
import io.hacover.jdbc.TransactionRolledBackException;

/**
 * How one operation of the workload ended, as the README's JDBC table documents the
 * errors an application sees.
 */
enum Outcome {

	/** It returned normally: acknowledged. */
	OK("ok (acknowledged)"),

	/**
	 * {@link CommitOutcomeUnknownException}, {@code 08007}: the commit may have happened.
	 */
	COMMIT_UNKNOWN("unknown: commit, 08007"),

	/**
	 * {@link SQLTransactionRollbackException} {@code 40003} of an auto-commit write: it
	 * may have run once.
	 */
	STATEMENT_UNKNOWN("unknown: auto-commit write, 40003"),

	/**
	 * {@link TransactionRolledBackException}: rolled back, nothing of it committed.
	 */
	ROLLED_BACK("rolled back, safe to run again (40003, 40000)"),

	/** Any other error: a violation. */
	UNDOCUMENTED("undocumented error");

	private final String description;

	Outcome(String description) {
		this.description = description;
	}

	/**
	 * Returns how the table names this outcome.
	 * @return the description
	 */
	String description() {
		return this.description;
	}

	/**
	 * Returns whether the operation's write may be stored.
	 * @return whether it may be stored
	 */
	boolean mayBeStored() {
		return this == OK || this == COMMIT_UNKNOWN || this == STATEMENT_UNKNOWN;
	}

	/**
	 * Classifies an error along its causes and next exceptions.
	 * @param failure the error the operation threw
	 * @param autoCommitWrite whether the operation was a write outside a transaction
	 * @return the outcome
	 */
	static Outcome of(Throwable failure, boolean autoCommitWrite) {
		if (find(failure, CommitOutcomeUnknownException.class) != null) {
			return COMMIT_UNKNOWN;
		}
		if (find(failure, TransactionRolledBackException.class) != null) {
			return ROLLED_BACK;
		}
		SQLTransactionRollbackException rollback = find(failure, SQLTransactionRollbackException.class);
		if (autoCommitWrite && rollback != null && "40003".equals(rollback.getSQLState())) {
			return STATEMENT_UNKNOWN;
		}
		return UNDOCUMENTED;
	}

	private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
			if (cause instanceof SQLException sql && sql.getNextException() != null) {
				T next = find(sql.getNextException(), type);
				if (next != null) {
					return next;
				}
			}
		}
		return null;
	}

}
