package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.Set;

import javax.sql.DataSource;

import io.hacover.core.Call;
import io.hacover.core.HaConnections;
import io.hacover.core.OutcomeUnknownException;
import io.hacover.core.RetransmitPolicy;

/**
 * What an HA JDBC connection does with an operation that failed stale, once the
 * connection is recovered: issue it again, or what the caller gets instead (H14, J1 to
 * J4, J8). Decided on the failed session, from the server's word about its transaction.
 */
final class JdbcOutcomes {

	private static final Set<String> UNSAFE_CONNECTION_OPERATIONS = Set.of("commit", "setSavepoint",
			"releaseSavepoint");

	private final RetransmitPolicy policy;

	private final DataSource target;

	private final HaConnections connections;

	/**
	 * Makes the decisions of one data source.
	 * @param policy the retransmit policy of its connections
	 * @param target where a commit's outcome is asked, on a connection of its own
	 * @param connections the table of its connections, told of replays
	 */
	JdbcOutcomes(RetransmitPolicy policy, DataSource target, HaConnections connections) {
		this.policy = policy;
		this.target = target;
		this.connections = connections;
	}

	/**
	 * Decides whether an operation may be issued again on a recovered connection (H14,
	 * J1, J2): inside a transaction nothing but a rollback, a close or a getter; outside,
	 * statement options and parameters always, statements by the policy (under
	 * {@code SAFE}, inside a read-only transaction), and connection operations but those
	 * that commit or touch savepoints. With auto-commit off, a statement sent when no
	 * transaction was open was the first of its transaction, which the server rolled back
	 * with the session: it is issued again as it is, to begin the transaction on the
	 * fresh session (but never a batch, J8, nor under {@code NEVER}). Metadata reads are
	 * always safe.
	 */
	boolean reissue(SessionJournal journal, Call call) {
		if (call.is(StatementHost.class, "metaData")) {
			// Metadata only reads the catalog.
			return true;
		}
		StatementHost failed = (StatementHost) call.resource();
		boolean inTransaction = failed.transactionStatus().inTransaction();
		if (call.failure() instanceof StatementNotSentException && !inTransaction) {
			// J3: it never left the client.
			return true;
		}
		if (call.is(StatementHost.class, "run") && !journal.autoCommit() && failed.transactionStatus().known()
				&& failed.commitOutcome().firstOfTransaction()) {
			// J1: the statement was the first of a transaction that the server rolled
			// back with the session; it begins the transaction on the fresh session.
			StatementHost.StatementCall statement = call.argument(0, StatementHost.StatementCall.class);
			return !statement.executes() || (this.policy != RetransmitPolicy.NEVER
					&& !StatementCover.isBatchExecution(statement.operation()) && !statement.commits());
		}
		if (inTransaction) {
			return (call.operation().equals("rollback") && call.argumentCount() == 0)
					|| call.operation().equals("close")
					|| (call.method().getDeclaringClass() == Connection.class && call.operation().startsWith("get"));
		}
		if (call.is(StatementHost.class, "run")) {
			StatementHost.StatementCall statement = call.argument(0, StatementHost.StatementCall.class);
			if (!statement.executes()) {
				return true;
			}
			return switch (this.policy) {
				case ALWAYS -> true;
				case SAFE -> statement.reissueReadOnly();
				case NEVER -> false;
			};
		}
		return !UNSAFE_CONNECTION_OPERATIONS.contains(call.operation());
	}

	/**
	 * What the caller gets for an operation that was not re-issued (H14, J1, J4): a
	 * commit's outcome asked of the server, which may be a normal return; inside a
	 * transaction, {@link TransactionRolledBackException} and the transaction marked
	 * lost; outside one, {@code 40003}.
	 */
	private TransactionReplay.Reporter reporter(String connection) {
		return (kind, cause) -> this.connections.report(connection, kind, cause);
	}

	Object outcome(SessionJournal journal, Connection connection, Call call, OutcomeUnknownException unknown)
			throws Throwable {
		StatementHost failed = (StatementHost) call.resource();
		Throwable stale = unknown.getCause();
		String name = unknown.getConnection();
		StatementHost.StatementCall statement = call.is(StatementHost.class, "run")
				? call.argument(0, StatementHost.StatementCall.class) : null;
		String operation = (statement != null) ? statement.operation().getName() : call.operation();
		boolean commit = (statement != null) ? statement.commits()
				: call.method().getDeclaringClass() == Connection.class && operation.equals("commit");
		if (commit) {
			try {
				failed.commitOutcome().resolve(this.target, stale, name);
				return (statement != null) ? StatementHost.StatementCall.noResult(statement.operation()) : null;
			}
			catch (TransactionRolledBackException rolledBack) {
				// Rolled back, or never sent: replayed, then committed (J7).
				return TransactionReplay.run(journal, connection, call, rolledBack, reporter(name));
			}
		}
		TransactionStatus status = failed.transactionStatus();
		// With auto-commit off, a statement that failed before the server said a
		// transaction began was its first, and nothing but a commit commits it.
		if (status.known() && (status.inTransaction() || !journal.autoCommit())) {
			// The server rolled the transaction back: replayed, or its later statements
			// must not run as if nothing happened (J1, J7).
			return TransactionReplay.run(journal, connection, call, new TransactionRolledBackException(
					"the connection failed and was recovered; the transaction was rolled back by the server, so "
							+ "nothing of it was committed (the outcome of " + operation
							+ " does not matter): roll back, then run the transaction again",
					"40003", stale), reporter(name));
		}
		if (status.inTransaction()) {
			// Another driver: unsure whether a transaction was open.
			journal.loseTransaction();
		}
		throw new SQLTransactionRollbackException("the connection failed and was recovered, but the outcome of "
				+ operation + " is unknown: it may have run once; check, then run it again if needed", "40003", stale);
	}

}
