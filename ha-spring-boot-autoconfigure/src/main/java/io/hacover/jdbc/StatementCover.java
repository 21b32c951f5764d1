package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
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

	private static final Object[] NO_ARGUMENTS = {};

	private static final Method[] NO_SETTERS = {};

	/**
	 * The settings of the statement, and the parameters set by name, with more than a
	 * value (a type, a length, a calendar) or registered as OUT parameters, in the order
	 * they were set; applied before the parameters set by position with a value alone,
	 * which therefore win when set last.
	 */
	private final Map<String, SessionJournal.Call> settings = new LinkedHashMap<>();

	/**
	 * The setter of each parameter set by position (index 0 is position 1), or
	 * {@code null}; kept apart from the settings so that setting a parameter again
	 * allocates nothing.
	 */
	private Method[] setters = NO_SETTERS;

	/**
	 * The value of each parameter whose setter takes a primitive, as {@code long} bits.
	 */
	private long[] bits = new long[0];

	/**
	 * The value of each parameter whose setter takes a reference.
	 */
	private Object[] values = NO_ARGUMENTS;

	/**
	 * The operation in progress: one call object, used again, as the cover is meant for
	 * one thread at a time.
	 */
	private final StatementHost.StatementCall call = new StatementHost.StatementCall(this);

	private final List<Object> batch = new ArrayList<>();

	private Statement physical;

	private Object session;

	private TransactionStatus sessionStatus;

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
		// session; else made again there first, on the slow path. A session is known by
		// its transaction status, which is its own.
		Statement current = this.physical;
		return (current != null && !this.closed
				&& this.sessionStatus == ((StatementHost) this.connection).transactionStatus()) ? current : null;
	}

	@Override
	void parameter(int index, int position, long value) {
		int at = slot(index, position);
		this.bits[at] = value;
		this.values[at] = null;
	}

	@Override
	void parameter(int index, int position, Object value) {
		int at = slot(index, position);
		this.values[at] = value;
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
		if (this.session != current) {
			closeQuietly(this.physical);
			this.physical = (Statement) call(physicalConnection, this.creator, this.creatorArgs);
			replay();
			this.session = current;
			this.sessionStatus = ((StatementHost) current).transactionStatus();
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
		for (int i = 0; i < this.setters.length; i++) {
			if (this.setters[i] != null) {
				parameters.add(parameterCall(i));
			}
		}
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
			Arrays.fill(this.setters, null);
			Arrays.fill(this.values, null);
		}
		else if (CoverClassWriter.isParameterSetter(method)) {
			Class<?> type = method.getParameterTypes()[1];
			int at = slot(method, (Integer) args[0]);
			this.bits[at] = type.isPrimitive() ? bitsOf(type, args[1]) : 0;
			this.values[at] = type.isPrimitive() ? null : args[1];
		}
		else if (name.startsWith("set") || name.equals("registerOutParameter")) {
			boolean parameter = args.length > 1 && (args[0] instanceof Integer || args[0] instanceof String)
					&& !name.equals("setCursorName");
			String key = parameter ? "#" + args[0] + (name.equals("registerOutParameter") ? ":out" : "") : name;
			this.settings.remove(key);
			this.settings.put(key, new SessionJournal.Call(method, args.clone()));
			if (parameter && !name.equals("registerOutParameter") && args[0] instanceof Integer position
					&& position <= this.setters.length) {
				// Set again with more arguments: the map's entry is the parameter now.
				this.setters[position - 1] = null;
			}
		}
	}

	private int slot(int index, int position) {
		return slot(method(index), position);
	}

	/**
	 * Returns the slot of a parameter set by position, made room for, with its setter
	 * noted.
	 */
	private int slot(Method setter, int position) {
		if (position > this.setters.length) {
			int length = Math.max(position, this.setters.length * 2);
			this.setters = Arrays.copyOf(this.setters, length);
			this.bits = Arrays.copyOf(this.bits, length);
			this.values = Arrays.copyOf(this.values, length);
		}
		this.setters[position - 1] = setter;
		return position - 1;
	}

	/**
	 * Returns the setter call that sets a parameter again, from its slot.
	 */
	private SessionJournal.Call parameterCall(int slot) {
		Method setter = this.setters[slot];
		Class<?> type = setter.getParameterTypes()[1];
		Object value = type.isPrimitive() ? valueOf(type, this.bits[slot]) : this.values[slot];
		return new SessionJournal.Call(setter, new Object[] { slot + 1, value });
	}

	private static long bitsOf(Class<?> type, Object value) {
		if (type == boolean.class) {
			return ((Boolean) value) ? 1 : 0;
		}
		if (type == char.class) {
			return (Character) value;
		}
		if (type == double.class) {
			return Double.doubleToRawLongBits((Double) value);
		}
		if (type == float.class) {
			return Float.floatToRawIntBits((Float) value);
		}
		return ((Number) value).longValue();
	}

	private static Object valueOf(Class<?> type, long bits) {
		if (type == boolean.class) {
			return bits != 0;
		}
		if (type == char.class) {
			return (char) bits;
		}
		if (type == double.class) {
			return Double.longBitsToDouble(bits);
		}
		if (type == float.class) {
			return Float.intBitsToFloat((int) bits);
		}
		if (type == long.class) {
			return bits;
		}
		if (type == int.class) {
			return (int) bits;
		}
		return (type == short.class) ? (Object) (short) bits : (Object) (byte) bits;
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
		for (int i = 0; i < this.setters.length; i++) {
			if (this.setters[i] != null) {
				parameterCall(i).applyTo(this.physical);
			}
		}
	}

	private static Object call(Object target, Method method, Object[] args) throws SQLException {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof SQLException sql) {
				throw sql;
			}
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new SQLException(cause);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
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
