package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The resource behind an HA JDBC connection: one physical connection, with the session
 * journal that every physical connection of the same HA connection shares. Records the
 * session state the application sets (H27), makes statement covers, and runs their
 * operations on its physical connection.
 * <p>
 * The engine calls its {@link StatementHost} methods directly; the {@link Connection}
 * methods take the cover's slow path, {@link #invoke(Object, Method, Object[])}.
 */
class JdbcSession extends Cover implements StatementHost {

	private static final int VALIDATION_TIMEOUT_SECONDS = 2;

	private static final CoverClass CLASS = CoverClass.of(Connection.class, JdbcSession.class, (method) -> true,
			MethodType.methodType(JdbcSession.class, Connection.class, SessionJournal.class, AtomicReference.class,
					Duration.class));

	private static final Method RUN = runMethod();

	private final Connection physical;

	private final SessionJournal journal;

	private final AtomicReference<Connection> haConnection;

	private final TransactionStatus status;

	private final CommitOutcome commits;

	private final long idleCheckNanos;

	private final BooleanSupplier inTransaction;

	private volatile long lastUsed = System.nanoTime();

	JdbcSession(Connection physical, SessionJournal journal, AtomicReference<Connection> haConnection,
			Duration idleCheck) {
		this.physical = physical;
		this.idleCheckNanos = idleCheck.toNanos();
		this.status = TransactionStatus.of(physical);
		this.commits = new CommitOutcome(physical, this.status);
		this.inTransaction = this.status::inTransaction;
		this.journal = journal;
		this.haConnection = haConnection;
	}

	/**
	 * Makes the session resource for a physical connection.
	 * @param physical the physical connection
	 * @param journal the session state of the HA connection, applied to {@code physical}
	 * by the caller when it is a reconnection
	 * @param haConnection where the HA connection will be once attached, for the
	 * statements
	 * @return a {@link Connection} that is also a {@link StatementHost}
	 */
	static Connection of(Connection physical, SessionJournal journal, AtomicReference<Connection> haConnection,
			Duration idleCheck) {
		MethodHandle generated = CLASS.constructor();
		JdbcSession session;
		try {
			session = (generated != null)
					? (JdbcSession) generated.invokeExact(physical, journal, haConnection, idleCheck)
					: new JdbcSession(physical, journal, haConnection, idleCheck);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		return (Connection) CLASS.expose(session);
	}

	@Override
	public TransactionStatus transactionStatus() {
		return this.status;
	}

	@Override
	public CommitOutcome commitOutcome() {
		return this.commits;
	}

	@Override
	public void resume() throws SQLException {
		if (!this.physical.isValid(VALIDATION_TIMEOUT_SECONDS)) {
			throw new SQLException("the connection failed", "08006");
		}
	}

	@Override
	public Object metaData(StatementHost.MetaDataCall call) throws SQLException {
		return call(this.physical.getMetaData(), call.operation(), call.arguments());
	}

	@Override
	public Object run(StatementHost.StatementCall call) throws SQLException {
		if (this.journal.transactionLost() && LostTransaction.answer(this.journal, RUN, new Object[] { call })) {
			return null;
		}
		TransactionLog log = this.journal.log();
		if (!call.executes()) {
			Object result = call.statement().runOn(this, this.physical, call.operation(), call.arguments());
			if (log.enabled() && this.status.inTransaction()) {
				logObserved(log, call, result);
			}
			return result;
		}
		this.commits.starting();
		if (this.commits.firstOfTransaction()) {
			log.begin();
		}
		checkAfterIdle();
		if (call.readOnly()) {
			return ReadOnlyReissue.run(this.physical,
					() -> call.statement().runOn(this, this.physical, call.operation(), call.arguments()));
		}
		boolean commit = call.commits();
		if (commit) {
			this.commits.beforeCommit(this.physical.isReadOnly());
		}
		else {
			this.commits.mayWrite(call.operation());
		}
		Object result = call.statement()
			.runOn(this, this.physical, call.operation(), call.arguments(), call.parameters());
		if (commit) {
			this.commits.afterCommit();
		}
		if (log.enabled() && this.status.inTransaction()) {
			logExecution(log, call, result);
		}
		this.journal.ran(call.statement().effectOf(call.operation(), call.arguments()), this.inTransaction);
		return result;
	}

	@Override
	public String toString() {
		return "JdbcSession[" + this.physical + "]";
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		Object[] arguments = (args != null) ? args : NO_ARGUMENTS;
		String name = method.getName();
		if (method.getDeclaringClass() == Object.class) {
			return switch (name) {
				case "equals" -> proxy == arguments[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> toString();
			};
		}
		if (method.getDeclaringClass() == StatementHost.class) {
			// A JDK proxy in front of this session (no generated class).
			return call(this, method, arguments);
		}
		if (this.journal.transactionLost() && LostTransaction.answer(this.journal, method, arguments)) {
			return null;
		}
		if (name.equals("createStatement") || name.equals("prepareStatement") || name.equals("prepareCall")) {
			return StatementCover.create(this.haConnection.get(), method, arguments);
		}
		if (name.equals("getMetaData")) {
			return MetaDataCover.create(this.haConnection.get());
		}
		boolean commit = name.equals("commit");
		if (commit) {
			this.commits.beforeCommit(this.physical.isReadOnly());
		}
		Object result = call(this.physical, method, arguments);
		if (commit) {
			this.commits.afterCommit();
		}
		this.journal.record(method, arguments);
		logConnectionOperation(name, arguments);
		return result;
	}

	/**
	 * Logs an execution that ran inside a transaction (J7), or marks the transaction not
	 * replayable when the statement is one a replay cannot repeat.
	 */
	private void logExecution(TransactionLog log, StatementHost.StatementCall call, Object result) {
		StatementCover statement = call.statement();
		String refusal = StatementCover.isBatchExecution(call.operation())
				? "it sent a batch, which is not kept once sent (J8)"
				: statement.notReplayable(call.operation(), call.arguments());
		if (refusal != null) {
			log.refuse(refusal);
			return;
		}
		TransactionLog.Entry entry = log.add(statement, call.operation(), call.arguments(),
				(call.parameters() != null) ? call.parameters() : statement.parameters(), result);
		if (result instanceof ResultSet resultSet) {
			ResultSetCover.log(resultSet, entry);
		}
	}

	/**
	 * Logs an operation inside a transaction that shows the application a result of the
	 * last execution (J7): the update count, the next result, the generated keys.
	 */
	private void logObserved(TransactionLog log, StatementHost.StatementCall call, Object result) {
		switch (call.operation().getName()) {
			case "getUpdateCount", "getLargeUpdateCount", "getMoreResults", "getResultSet", "getGeneratedKeys" ->
				logExecution(log, call, result);
			case "unwrap" -> log.refuse("it unwrapped a statement to the driver's own");
			default -> {
				if (call.operation().getDeclaringClass() == CallableStatement.class
						&& call.operation().getName().startsWith("get")) {
					log.refuse("it read an OUT parameter of a callable statement, which a replay does not compare");
				}
			}
		}
	}

	/**
	 * Ends the log of a transaction that a connection operation ended, or marks it not
	 * replayable (J7).
	 */
	private void logConnectionOperation(String name, Object[] arguments) {
		TransactionLog log = this.journal.log();
		switch (name) {
			case "commit", "setAutoCommit" -> log.begin();
			case "rollback" -> {
				if (arguments.length == 0) {
					log.begin();
				}
				else {
					log.refuse("it rolled back to a savepoint");
				}
			}
			case "setSavepoint", "releaseSavepoint" -> log.refuse("it used a savepoint");
			case "unwrap" -> log.refuse("it unwrapped the connection to the driver's own");
			case "createBlob", "createClob", "createNClob", "createSQLXML", "createArrayOf", "createStruct" ->
				log.refuse("it made a " + name.substring("create".length()));
			default -> {
			}
		}
	}

	/**
	 * J3: after the connection sat idle, one validation finds a backend that died
	 * meanwhile (its termination notice waits in the socket, or the socket is closed)
	 * before a statement is sent into it.
	 */
	private void checkAfterIdle() throws SQLException {
		long now = System.nanoTime();
		boolean idle = now - this.lastUsed >= this.idleCheckNanos;
		this.lastUsed = now;
		if (idle && !this.physical.isValid(VALIDATION_TIMEOUT_SECONDS)) {
			throw new StatementNotSentException();
		}
	}

	private static Method runMethod() {
		try {
			return StatementHost.class.getMethod("run", StatementHost.StatementCall.class);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
