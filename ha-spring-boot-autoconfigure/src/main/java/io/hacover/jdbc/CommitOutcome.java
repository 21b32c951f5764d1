package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;

import javax.sql.DataSource;

import io.hacover.jdbc.TransactionOracle.Functions;
import io.hacover.jdbc.TransactionOracle.Server;

/**
 * The outcome of a commit whose reply was lost, asked of the server (J4, J5), for one
 * physical connection.
 * <p>
 * Before a commit of a transaction that may have written, the transaction's id is taken
 * with {@code pg_current_xact_id_if_assigned()} (one round trip; {@code NULL} when the
 * transaction wrote nothing), with the position where the write-ahead log ends; a
 * transaction that only ran queries ({@code executeQuery}) pays nothing. The first time,
 * the same query also reads who the server is: the backend's pid, the cluster's
 * {@code system_identifier}, the postmaster's start time, the timeline and the last reset
 * of its statistics (its incarnation).
 * <p>
 * When the commit fails stale, a fresh connection asks {@code pg_xact_status}: committed,
 * the commit returns normally; aborted, {@link TransactionRolledBackException}; still in
 * progress, the old backend is ended first (only if that pid still holds the id), then
 * asked again. After a restart of the same cluster on the same timeline, what the server
 * says still counts when it can be proven ({@link TransactionOracle}); after a failover,
 * or without a proof, the outcome is unknown ({@link CommitOutcomeUnknownException},
 * {@code 08007}), as it is whenever the id could not be taken or the server could not be
 * asked.
 */
final class CommitOutcome {

	private final Connection physical;

	private final TransactionStatus status;

	/**
	 * Whether the transaction in progress ran anything but a query.
	 */
	private volatile boolean mayHaveWritten;

	/**
	 * Whether no transaction was open before the last statement.
	 */
	private volatile boolean firstOfTransaction;

	/**
	 * What is known of the last commit sent on this connection.
	 */
	private volatile Ticket ticket = Ticket.of(Kind.NOT_IN_TRANSACTION);

	private Server server;

	private boolean unsupported;

	private PreparedStatement takeId;

	CommitOutcome(Connection physical, TransactionStatus status) {
		this.physical = physical;
		this.status = status;
	}

	/**
	 * Notes a statement about to be sent, before anything of it is: whether a transaction
	 * was open before it, as the server last said.
	 */
	void starting() {
		boolean idle = !this.status.inTransaction();
		this.firstOfTransaction = idle;
		if (idle) {
			// A transaction begins with this statement, or none is open.
			this.mayHaveWritten = false;
		}
	}

	/**
	 * Notes the operation of a statement about to run: anything but a query may write.
	 * @param operation its operation
	 */
	void mayWrite(Method operation) {
		if (!operation.getName().equals("executeQuery")) {
			this.mayHaveWritten = true;
		}
	}

	/**
	 * Returns whether the last statement sent was the first of its transaction: no
	 * transaction was open before it, so with auto-commit off everything of the
	 * transaction it began was that statement (J1).
	 * @return {@code true} when no transaction was open before the last statement
	 */
	boolean firstOfTransaction() {
		return this.firstOfTransaction;
	}

	/**
	 * Takes what a lost reply of the commit about to be sent will need (J4).
	 * @param readOnly whether the connection is read-only, so that the server refused
	 * every write
	 * @throws SQLException a stale error when the connection failed before the commit was
	 * sent
	 */
	void beforeCommit(boolean readOnly) throws SQLException {
		if (!this.status.inTransaction()) {
			this.ticket = Ticket.of(Kind.NOT_IN_TRANSACTION);
			return;
		}
		if (readOnly) {
			this.ticket = Ticket.of(Kind.NOTHING_WRITTEN);
			return;
		}
		if (!this.mayHaveWritten || !this.status.known() || this.unsupported) {
			this.ticket = Ticket.of(Kind.UNTAKEN);
			return;
		}
		// Until the id is in, a failure means that the commit never left.
		this.ticket = Ticket.of(Kind.NOT_SENT);
		this.ticket = takeId();
	}

	/**
	 * Notes that the commit was answered, whatever the answer.
	 */
	void afterCommit() {
		this.mayHaveWritten = false;
	}

	private Ticket takeId() throws SQLException {
		if (this.takeId == null) {
			Functions functions = Functions.of(this.physical);
			if (functions == null) {
				this.unsupported = true;
				return Ticket.of(Kind.UNTAKEN);
			}
			TransactionOracle.Described described = TransactionOracle.describe(this.physical, functions);
			this.server = described.server();
			this.takeId = this.physical.prepareStatement("select " + functions.currentId() + "::text, "
					+ TransactionOracle.LOG_POSITION + ", " + TransactionOracle.SYNCHRONOUS);
			return Ticket.of(described.id(), described.logPosition(), described.synchronous(), this.server);
		}
		try (ResultSet row = this.takeId.executeQuery()) {
			row.next();
			return Ticket.of(row.getString(1), row.getString(2), row.getBoolean(3), this.server);
		}
	}

	/**
	 * Finds out what became of the last commit, whose reply was lost.
	 * @param fresh makes a connection to ask on
	 * @param stale the error the commit failed with
	 * @param connection the HA connection's name, for the messages
	 * @throws SQLException {@link TransactionRolledBackException} when it was rolled back
	 * or never sent, {@link CommitOutcomeUnknownException} when that is unknown
	 */
	void resolve(DataSource fresh, Throwable stale, String connection) throws SQLException {
		Ticket last = this.ticket;
		this.mayHaveWritten = false;
		switch (last.kind()) {
			case NOT_IN_TRANSACTION, NOTHING_WRITTEN -> {
				// Committed or not, nothing changed.
				return;
			}
			case NOT_SENT -> throw rolledBack(connection, "the connection failed before the commit was sent", stale);
			case UNTAKEN -> throw unknown(connection, "the transaction's id was not taken (it ran only queries, or "
					+ "the server is not PostgreSQL 10 or later), so the server cannot be asked", stale);
			case TAKEN -> {
			}
		}
		String answer;
		try (Connection asking = fresh.getConnection()) {
			answer = TransactionOracle.ask(asking, last.server(), last.id(), last.logPosition(), last.synchronous());
		}
		catch (SQLException | RuntimeException ex) {
			CommitOutcomeUnknownException unknown = unknown(connection,
					"the server could not be asked: " + ex.getMessage(), stale);
			unknown.addSuppressed(ex);
			throw unknown;
		}
		switch (answer) {
			case "committed" -> {
			}
			case "aborted" ->
				throw rolledBack(connection, "the server says transaction " + last.id() + " was rolled back", stale);
			default -> throw unknown(connection, answer, stale);
		}
	}

	private static TransactionRolledBackException rolledBack(String connection, String why, Throwable stale) {
		return new TransactionRolledBackException("connection '" + connection + "' failed during commit and was "
				+ "recovered; the transaction was rolled back (" + why + "), so nothing of it was committed: run it "
				+ "again", "40000", stale);
	}

	private static CommitOutcomeUnknownException unknown(String connection, String why, Throwable stale) {
		return new CommitOutcomeUnknownException("connection '" + connection + "' failed during commit and was "
				+ "recovered; whether the transaction was committed is unknown: " + why
				+ ". Check its effects before running it again", stale);
	}

	/**
	 * What is known of a commit before it is sent.
	 */
	private enum Kind {

		/** Outside a transaction: a commit commits nothing. */
		NOT_IN_TRANSACTION,

		/** Read-only, or no id assigned: the transaction wrote nothing. */
		NOTHING_WRITTEN,

		/** The connection failed before the commit was sent. */
		NOT_SENT,

		/** The id was not taken. */
		UNTAKEN,

		/** The id was taken. */
		TAKEN

	}

	/**
	 * What is known of a commit before it is sent.
	 *
	 * @param kind what is known
	 * @param id the transaction's id, when taken
	 * @param logPosition where the server's write-ahead log ended before the commit, when
	 * taken
	 * @param server the server it ran on, when taken
	 */
	private record Ticket(Kind kind, String id, String logPosition, boolean synchronous, Server server) {

		private static final Ticket[] WITHOUT_ID = Arrays.stream(Kind.values())
			.map((kind) -> new Ticket(kind, null, null, false, null))
			.toArray(Ticket[]::new);

		static Ticket of(Kind kind) {
			return WITHOUT_ID[kind.ordinal()];
		}

		static Ticket of(String id, String logPosition, boolean synchronous, Server server) {
			return (id != null) ? new Ticket(Kind.TAKEN, id, logPosition, synchronous, server)
					: of(Kind.NOTHING_WRITTEN);
		}

	}

}
