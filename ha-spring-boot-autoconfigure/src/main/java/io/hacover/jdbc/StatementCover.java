package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A statement of an HA JDBC connection: remembers how it was made (its SQL and options),
 * the parameters and options set on it and its pending batch, so that it can be prepared
 * again on a recovered connection and the failed operation re-issued there (H10, H27).
 * Every operation runs through the HA connection, which recovers it as it does its own
 * operations.
 * <p>
 * A parameter set by position on a statement whose physical statement was made on the
 * current session is set there directly, and kept without boxing.
 * <p>
 * As JDBC statements are, a cover is meant for one thread at a time.
 */
class StatementCover extends Cover {

	private static final MethodType FACTORY = MethodType.methodType(StatementCover.class, Connection.class,
			Method.class, Object[].class);

	private static final Map<Class<?>, CoverClass> CLASSES = Map.of(Statement.class,
			CoverClass.of(Statement.class, StatementCover.class, StatementCover::slow, FACTORY),
			PreparedStatement.class,
			CoverClass.of(PreparedStatement.class, StatementCover.class, StatementCover::slow, FACTORY),
			CallableStatement.class,
			CoverClass.of(CallableStatement.class, StatementCover.class, StatementCover::slow, FACTORY));

	private final Connection connection;

	private final Method creator;

	private final Object[] creatorArgs;

	/**
	 * The settings of the statement, and the parameters set by name, with more than a
	 * value (a type, a length, a calendar) or registered as OUT parameters, in the order
	 * they were set; applied before the parameters set by position with a value alone,
	 * which therefore win when set last.
	 */
	private final Map<String, SessionJournal.Call> settings = new LinkedHashMap<>();

	/**
	 * The parameters set by position with a value alone, kept apart from the settings so
	 * that setting a parameter again allocates nothing.
	 */
	private final PositionalParameters positional = new PositionalParameters();

	/**
	 * The operation in progress: one call object, used again, as the cover is meant for
	 * one thread at a time.
	 */
	private final StatementHost.StatementCall call = new StatementHost.StatementCall(this);

	private final List<Object> batch = new ArrayList<>();

	private Statement physical;

	/**
	 * The session the physical statement was made on, known by its transaction status,
	 * which is its own.
	 */
	private TransactionStatus session;

	private boolean closed;

	private SessionSql.Effect preparedEffect;

	private String preparedRefusal;

	StatementCover(Connection connection, Method creator, Object[] creatorArgs) {
		this.connection = connection;
		this.creator = creator;
		this.creatorArgs = creatorArgs;
	}

	/**
	 * Makes the statement cover for a call of {@code createStatement},
	 * {@code prepareStatement} or {@code prepareCall} on an HA connection.
	 * @param connection the HA connection
	 * @param creator the connection's method that makes the statement
	 * @param creatorArgs its arguments
	 * @return the statement, of the type the method returns
	 */
	static Object create(Connection connection, Method creator, Object[] creatorArgs) {
		CoverClass type = CLASSES.get(creator.getReturnType());
		Object[] args = (creatorArgs != null) ? creatorArgs.clone() : NO_ARGUMENTS;
		MethodHandle generated = type.constructor();
		StatementCover cover;
		try {
			cover = (generated != null) ? (StatementCover) generated.invokeExact(connection, creator, args)
					: new StatementCover(connection, creator, args);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		return type.expose(cover);
	}

	/**
	 * Whether an operation always takes the slow path: all but the setters of parameters
	 * by position.
	 */
	private static boolean slow(Method method) {
		return !CoverClassWriter.isParameterSetter(method);
	}

	@Override
	Object direct(int index) {
		// A parameter setter: directly, when the statement is made on the current
		// session; else made again there first, on the slow path.
		Statement current = this.physical;
		return (current != null && !this.closed
				&& this.session == ((StatementHost) this.connection).transactionStatus()) ? current : null;
	}

	@Override
	void parameter(int index, int position, long value) {
		this.positional.set(method(index), position, value);
	}

	@Override
	void parameter(int index, int position, Object value) {
		this.positional.set(method(index), position, value);
	}

	@Override
	public String toString() {
		return "HaStatement[" + sql() + "]";
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		String name = method.getName();
		if (method.getDeclaringClass() == Object.class) {
			return switch (name) {
				case "equals" -> proxy == args[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> toString();
			};
		}
		switch (name) {
			case "close" -> {
				this.closed = true;
				closeQuietly(this.physical);
				this.physical = null;
				return null;
			}
			case "isClosed" -> {
				return this.closed;
			}
			case "getConnection" -> {
				return this.connection;
			}
			default -> {
				if (this.closed) {
					throw new SQLException("this statement is closed", "HY010");
				}
				return ((StatementHost) this.connection)
					.run(this.call.of(method, (args != null) ? args : NO_ARGUMENTS));
			}
		}
	}

	/**
	 * Runs an operation on the physical statement of the given session, making it there
	 * first if the statement was made on an earlier session.
	 * @param current the session now behind the HA connection
	 * @param physicalConnection its physical connection
	 * @param method the operation
	 * @param args its arguments
	 * @return what the physical statement returned
	 * @throws SQLException what it threw
	 */
	Object runOn(Object current, Connection physicalConnection, Method method, Object[] args) throws SQLException {
		return runOn(current, physicalConnection, method, args, null);
	}

	/**
	 * Runs an operation as {@link #runOn(Object, Connection, Method, Object[])} does,
	 * with parameters set first: those it ran with when it is replayed (J7).
	 * @param current the session now behind the HA connection
	 * @param physicalConnection its physical connection
	 * @param method the operation
	 * @param args its arguments
	 * @param parameters the parameters to set first, or {@code null}
	 * @return what the physical statement returned
	 * @throws SQLException what it threw
	 */
	Object runOn(Object current, Connection physicalConnection, Method method, Object[] args,
			List<SessionJournal.Call> parameters) throws SQLException {
		TransactionStatus session = ((StatementHost) current).transactionStatus();
		if (this.session != session) {
			closeQuietly(this.physical);
			this.physical = (Statement) call(physicalConnection, this.creator, this.creatorArgs);
			replay();
			this.session = session;
		}
		if (parameters != null) {
			for (SessionJournal.Call parameter : parameters) {
				parameter.applyTo(this.physical);
			}
		}
		Object result;
		try {
			result = call(this.physical, method, args);
		}
		finally {
			if (isBatchExecution(method)) {
				// J8: a batch that was sent, whatever came of it, is never pending again.
				this.batch.clear();
			}
		}
		remember(method, args);
		return (result instanceof ResultSet resultSet) ? ResultSetCover.create(resultSet, self(), this.connection)
				: result;
	}

	/**
	 * Returns whether the operation sends the statement's batch.
	 * @param method the operation
	 * @return {@code true} for {@code executeBatch} and {@code executeLargeBatch}
	 */
	static boolean isBatchExecution(Method method) {
		return method.getName().equals("executeBatch") || method.getName().equals("executeLargeBatch");
	}

	/**
	 * Returns the SQL an execution runs: its argument, or the SQL the statement was
	 * prepared with.
	 * @param method the operation
	 * @param args its arguments
	 * @return the SQL, or {@code null} if none is known
	 */
	String sqlOf(Method method, Object[] args) {
		return (args.length > 0 && args[0] instanceof String text) ? text : sql();
	}

	/**
	 * Returns what an execution does to the session (J6): worked out once for the SQL a
	 * statement was prepared with, and for each SQL string given to an execution.
	 * @param method the operation
	 * @param args its arguments
	 * @return the effect
	 */
	SessionSql.Effect effectOf(Method method, Object[] args) {
		if (args.length > 0 && args[0] instanceof String text) {
			return SessionSql.classify(text);
		}
		SessionSql.Effect prepared = this.preparedEffect;
		if (prepared == null) {
			prepared = SessionSql.classify(sql());
			this.preparedEffect = prepared;
		}
		return prepared;
	}

	/**
	 * Returns the settings and parameters of this statement as they are now, for the
	 * transaction log (J7).
	 * @return a snapshot, in the order they were set
	 */
	List<SessionJournal.Call> parameters() {
		List<SessionJournal.Call> parameters = new ArrayList<>(this.settings.values());
		this.positional.addTo(parameters);
		return parameters;
	}

	/**
	 * Runs a logged operation again through the HA connection, with the parameters it ran
	 * with (J7).
	 * @param entry the logged operation
	 * @return what it returned this time
	 * @throws SQLException what it threw
	 */
	Object replay(TransactionLog.Entry entry) throws SQLException {
		return ((StatementHost) this.connection).run(entry.call());
	}

	/**
	 * Puts this statement back as the application left it, after a replay ran it (J7):
	 * its parameters as the application last set them, or, when the application had
	 * closed it, closed again.
	 * @throws SQLException what the physical statement threw
	 */
	void afterReplay() throws SQLException {
		if (this.closed) {
			closeQuietly(this.physical);
			this.physical = null;
			this.session = null;
		}
		else if (this.physical != null) {
			applySettings();
		}
	}

	/**
	 * Returns why a transaction that ran this execution cannot be replayed, or
	 * {@code null} (J7); worked out once for the SQL the statement was prepared with.
	 * @param method the operation
	 * @param args its arguments
	 * @return the reason, or {@code null}
	 */
	String notReplayable(Method method, Object[] args) {
		if (args.length > 0 && args[0] instanceof String text) {
			return SessionSql.notReplayable(text);
		}
		String prepared = this.preparedRefusal;
		if (prepared == null) {
			prepared = Objects.requireNonNullElse(SessionSql.notReplayable(sql()), "");
			this.preparedRefusal = prepared;
		}
		return prepared.isEmpty() ? null : prepared;
	}

	private String sql() {
		return (this.creatorArgs.length > 0 && this.creatorArgs[0] instanceof String text) ? text : null;
	}

	private void remember(Method method, Object[] args) {
		String name = method.getName();
		if (name.equals("addBatch")) {
			this.batch.add((args.length > 0) ? args[0] : parameters());
		}
		else if (name.equals("clearBatch")) {
			this.batch.clear();
		}
		else if (name.equals("clearParameters")) {
			this.settings.keySet().removeIf((key) -> key.startsWith("#"));
			this.positional.clear();
		}
		else if (CoverClassWriter.isParameterSetter(method)) {
			this.positional.set(method, args);
		}
		else if (name.startsWith("set") || name.equals("registerOutParameter")) {
			boolean parameter = args.length > 1 && (args[0] instanceof Integer || args[0] instanceof String)
					&& !name.equals("setCursorName");
			String key = parameter ? "#" + args[0] + (name.equals("registerOutParameter") ? ":out" : "") : name;
			this.settings.remove(key);
			this.settings.put(key, new SessionJournal.Call(method, args.clone()));
			if (parameter && !name.equals("registerOutParameter") && args[0] instanceof Integer position) {
				// Set again with more than a value: the map's entry is the parameter now.
				this.positional.clear(position);
			}
		}
	}

	@SuppressWarnings("unchecked")
	private void replay() throws SQLException {
		List<Object> pending = new ArrayList<>(this.batch);
		for (Object entry : pending) {
			if (entry instanceof String sql) {
				this.physical.addBatch(sql);
			}
			else {
				for (SessionJournal.Call call : (List<SessionJournal.Call>) entry) {
					call.applyTo(this.physical);
				}
				((java.sql.PreparedStatement) this.physical).addBatch();
			}
		}
		applySettings();
	}

	private void applySettings() throws SQLException {
		for (SessionJournal.Call call : this.settings.values()) {
			call.applyTo(this.physical);
		}
		this.positional.applyTo(this.physical);
	}

	private static void closeQuietly(Statement statement) {
		if (statement != null) {
			try {
				statement.close();
			}
			catch (SQLException ex) {
				// The statement belongs to a connection being given up.
			}
		}
	}

}
