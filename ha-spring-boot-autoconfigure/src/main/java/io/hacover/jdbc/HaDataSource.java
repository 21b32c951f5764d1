package io.hacover.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

import javax.sql.DataSource;

import io.hacover.core.Attachment;
import io.hacover.core.Call;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.OutcomeUnknownException;
import io.hacover.core.RetransmitPolicy;

import org.springframework.util.Assert;

/**
 * A {@link DataSource} whose connections are HA connections: when the database behind one
 * dies or its backend is killed, the connection is recovered on a fresh physical
 * connection from the target data source, its session state applied again and its open
 * statements prepared again, so that the same {@link Connection} and
 * {@link java.sql.PreparedStatement} objects go on working (H10, H27).
 * <p>
 * What is re-issued follows the contract (H14, J1, J2, J8). Whether a transaction was
 * open when the connection failed is the server's last word ({@link TransactionStatus}).
 * Outside one, operations that only set options or parameters are re-issued, and a
 * statement is issued again inside a read-only transaction, so that the server refuses it
 * if it writes and the caller gets an {@link SQLTransactionRollbackException} of SQLState
 * {@code 40003} (statement completion unknown); under the {@code ALWAYS} policy it is
 * issued again as it is, and a batch never is. Inside a transaction the server has rolled
 * back the work done so far: the connection is recovered and the operation fails with
 * {@code 40003}, or {@code 08007} (transaction resolution unknown) for a commit, and the
 * lost transaction refuses further statements until the application ends it
 * ({@link LostTransaction}). Stale errors are those of {@link JdbcStaleClassifier}; every
 * other error reaches the caller unchanged (H8). Asking for a connection while the
 * database is down waits for it, within the connection's recovery budget (H12).
 */
public final class HaDataSource implements DataSource {

	private static final JdbcStaleClassifier CLASSIFIER = JdbcStaleClassifier.create();

	private static final Set<String> UNSAFE_CONNECTION_OPERATIONS = Set.of("commit", "setSavepoint",
			"releaseSavepoint");

	private final HaConnections connections;

	/**
	 * How long a connection sits idle before its next statement is preceded by a
	 * validation that finds a backend that died meanwhile (J3), by default.
	 */
	static final Duration DEFAULT_IDLE_CHECK = Duration.ofSeconds(1);

	private final DataSource target;

	private final String name;

	private final AtomicLong opened = new AtomicLong();

	private final ConnectionSettings settings;

	private final RetransmitPolicy retransmit;

	private volatile Duration idleCheck = DEFAULT_IDLE_CHECK;

	/**
	 * Wraps a data source with the SAFE retransmit policy and the table's other defaults.
	 * @param connections the table of HA connections
	 * @param target the data source that makes physical connections
	 * @param name the name of this data source; its connections are named after it
	 */
	public HaDataSource(HaConnections connections, DataSource target, String name) {
		this(connections, target, name, connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	/**
	 * Wraps a data source.
	 * @param connections the table of HA connections
	 * @param target the data source that makes physical connections
	 * @param name the name of this data source; its connections are named after it
	 * @param settings the settings of its connections
	 */
	public HaDataSource(HaConnections connections, DataSource target, String name, ConnectionSettings settings) {
		Assert.notNull(connections, "'connections' must not be null");
		Assert.notNull(target, "'target' must not be null");
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(settings, "'settings' must not be null");
		this.connections = connections;
		this.target = target;
		this.name = name;
		this.retransmit = settings.retransmit();
		// The engine re-issues nothing by itself: idempotent(...) applies the policy, so
		// that no
		// policy can continue a transaction the server rolled back.
		this.settings = settings.withRetransmit(RetransmitPolicy.NEVER);
	}

	/**
	 * Makes an HA data source whose physical connections are opened through the
	 * {@link java.sql.DriverManager} with a URL and credentials, as a data source
	 * declared with {@code ha.connections.<name>.kind: jdbc} is. The password is kept for
	 * connecting and never shown. Connections to PostgreSQL get
	 * {@linkplain PostgresDeadPeerDetection dead-peer detection} unless the URL sets it
	 * otherwise (H35).
	 * @param connections the table of HA connections
	 * @param name the name of the data source; its connections are named after it
	 * @param url the JDBC URL
	 * @param username the user, or {@code null}
	 * @param password the password, or {@code null}
	 * @param settings the settings of its connections
	 * @return the HA data source
	 */
	public static HaDataSource of(HaConnections connections, String name, String url, String username, String password,
			ConnectionSettings settings) {
		return new HaDataSource(connections, new DriverDataSource(url, username, password), name, settings);
	}

	/**
	 * Sets how long a connection sits idle before its next statement is preceded by a
	 * validation (J3); {@link #DEFAULT_IDLE_CHECK} unless set. For connections opened
	 * afterwards.
	 * @param idleCheck the idle time, {@link Duration#ZERO} to validate before every
	 * statement
	 * @return this data source
	 */
	HaDataSource checkAfterIdle(Duration idleCheck) {
		this.idleCheck = idleCheck;
		return this;
	}

	/**
	 * Returns the data source that makes the physical connections.
	 * @return the target
	 */
	public DataSource getTarget() {
		return this.target;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return open(this.target::getConnection);
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return open(() -> this.target.getConnection(username, password));
	}

	/**
	 * Opens an HA connection: the engine opens its first physical connection, waiting out
	 * an outage as a recovery would, by the engine's own recovery loop within the
	 * connection's budget (H12), so that code asking for a connection per call, such as
	 * {@code JdbcTemplate}, survives a restart; a recovery opens the next one the same
	 * way and applies the session state again (H27).
	 */
	private Connection open(PhysicalOpener physical) throws SQLException {
		SessionJournal journal = new SessionJournal();
		AtomicReference<Connection> haConnection = new AtomicReference<>();
		Attachment<Connection> attachment = Attachment.opening(Connection.class, () -> {
			Connection fresh = physical.open();
			try {
				journal.replay(fresh);
			}
			catch (SQLException ex) {
				fresh.close();
				throw ex;
			}
			return JdbcSession.of(fresh, journal, haConnection, this.idleCheck);
		})
			.name(this.name + "-" + this.opened.incrementAndGet())
			.kind("jdbc")
			.alsoImplementing(StatementHost.class)
			.settings(this.settings)
			.classifier(CLASSIFIER)
			.waitForServer()
			.idempotentWhen((call) -> idempotent(this.retransmit, journal, call))
			.outcomeUnknown((call, unknown) -> outcomeUnknown(journal, call, unknown));
		Connection connection;
		try {
			connection = this.connections.open(attachment);
		}
		catch (SQLException | RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new SQLException("cannot open an HA connection of data source '" + this.name + "'", "08001", ex);
		}
		haConnection.set(connection);
		return connection;
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
	private static boolean idempotent(RetransmitPolicy policy, SessionJournal journal, Call call) {
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
			// back
			// with the session; it begins the transaction on the fresh session.
			StatementHost.StatementCall statement = call.argument(0, StatementHost.StatementCall.class);
			return !statement.executes() || (policy != RetransmitPolicy.NEVER
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
			return switch (policy) {
				case ALWAYS -> true;
				case SAFE -> statement.reissueReadOnly();
				case NEVER -> false;
			};
		}
		return !UNSAFE_CONNECTION_OPERATIONS.contains(call.operation());
	}

	/**
	 * J1: whether the failed session was inside a transaction, as the server last said.
	 */
	private static boolean inTransaction(Call call) {
		return ((StatementHost) call.resource()).transactionStatus().inTransaction();
	}

	/**
	 * What the caller gets for an operation that was not re-issued (H14, J1, J4): a
	 * commit's outcome asked of the server, which may be a normal return; inside a
	 * transaction, {@link TransactionRolledBackException} and the transaction marked
	 * lost; outside one, {@code 40003}.
	 */
	private Object outcomeUnknown(SessionJournal journal, Call call, OutcomeUnknownException unknown)
			throws SQLException {
		StatementHost failed = (StatementHost) call.resource();
		Throwable stale = unknown.getCause();
		String connection = unknown.getConnection();
		if (call.is(StatementHost.class, "run")) {
			StatementHost.StatementCall statement = call.argument(0, StatementHost.StatementCall.class);
			if (statement.commits()) {
				failed.commitOutcome().resolve(this.target, stale, connection);
				return StatementHost.StatementCall.noResult(statement.operation());
			}
			throw statementOutcomeUnknown(journal, failed, statement.operation().getName(), stale);
		}
		if (call.method().getDeclaringClass() == Connection.class && call.operation().equals("commit")) {
			failed.commitOutcome().resolve(this.target, stale, connection);
			return null;
		}
		throw statementOutcomeUnknown(journal, failed, call.operation(), stale);
	}

	private static SQLException statementOutcomeUnknown(SessionJournal journal, StatementHost failed, String operation,
			Throwable stale) {
		TransactionStatus status = failed.transactionStatus();
		// With auto-commit off, a statement that failed before the server said a
		// transaction began was its first, and nothing but a commit commits it.
		if (status.known() && (status.inTransaction() || !journal.autoCommit())) {
			// The server rolled the transaction back: its later statements must not run
			// as if nothing happened (J1).
			journal.loseTransaction();
			return new TransactionRolledBackException(
					"the connection failed and was recovered; the transaction "
							+ "was rolled back by the server, so nothing of it was committed (the outcome of "
							+ operation + " does not matter): roll back, then run the transaction again",
					"40003", stale);
		}
		if (status.inTransaction()) {
			// Another driver: unsure whether a transaction was open.
			journal.loseTransaction();
		}
		return new SQLTransactionRollbackException("the connection failed and was recovered, but the outcome of "
				+ operation + " is unknown: it may have run once; check, then run it again if needed", "40003", stale);
	}

	@Override
	public PrintWriter getLogWriter() throws SQLException {
		return this.target.getLogWriter();
	}

	@Override
	public void setLogWriter(PrintWriter out) throws SQLException {
		this.target.setLogWriter(out);
	}

	@Override
	public void setLoginTimeout(int seconds) throws SQLException {
		this.target.setLoginTimeout(seconds);
	}

	@Override
	public int getLoginTimeout() throws SQLException {
		return this.target.getLoginTimeout();
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		return this.target.getParentLogger();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		if (type.isInstance(this)) {
			return type.cast(this);
		}
		if (type.isInstance(this.target)) {
			return type.cast(this.target);
		}
		return this.target.unwrap(type);
	}

	@Override
	public boolean isWrapperFor(Class<?> type) throws SQLException {
		return type.isInstance(this) || type.isInstance(this.target) || this.target.isWrapperFor(type);
	}

	@Override
	public String toString() {
		return "HaDataSource[" + this.name + "]";
	}

	/**
	 * Opens a physical connection.
	 */
	@FunctionalInterface
	private interface PhysicalOpener {

		Connection open() throws SQLException;

	}

}
