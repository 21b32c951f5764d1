package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.ResultSet;

/**
 * A result set of an HA statement: the physical result set, except that
 * {@code getStatement()} gives the HA statement, never the physical one behind it. Rows
 * the driver already fetched stay readable after the connection fails. Inside a
 * transaction, its reads are logged (J7); when a read fails stale (the driver fetching
 * more rows from a dead connection), the HA connection is recovered and the transaction
 * replayed, and the result set goes on from the replayed one, at the same row. Outside a
 * transaction it is not re-run, as the JDBC contract closes it with its connection.
 * <p>
 * Outside a transaction, every read is a direct call on the driver's result set.
 */
class ResultSetCover extends Cover {

	private static final JdbcStaleClassifier CLASSIFIER = JdbcStaleClassifier.create();

	private static final CoverClass CLASS = CoverClass.of(ResultSet.class, ResultSetCover.class,
			(method) -> method.getName().equals("getStatement"),
			MethodType.methodType(ResultSetCover.class, ResultSet.class, Object.class, Object.class));

	private ResultSet resultSet;

	private final Object statement;

	private final Object connection;

	private TransactionLog.Entry entry;

	ResultSetCover(ResultSet resultSet, Object statement, Object connection) {
		this.resultSet = resultSet;
		this.statement = statement;
		this.connection = connection;
	}

	/**
	 * Wraps a physical result set.
	 * @param resultSet the physical result set
	 * @param statement the HA statement it came from
	 * @param connection the HA connection, recovered when a read fails stale
	 * @return the result set
	 */
	static ResultSet create(ResultSet resultSet, Object statement, Object connection) {
		MethodHandle generated = CLASS.constructor();
		ResultSetCover cover;
		try {
			cover = (generated != null) ? (ResultSetCover) generated.invokeExact(resultSet, statement, connection)
					: new ResultSetCover(resultSet, statement, connection);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		return (ResultSet) CLASS.expose(cover);
	}

	/**
	 * Logs the reads the application makes of a result set into the entry of the
	 * operation that made it, inside a transaction (J7).
	 * @param resultSet a result set made by {@link #create}
	 * @param entry the entry of the operation that made it
	 */
	static void log(ResultSet resultSet, TransactionLog.Entry entry) {
		ResultSetCover cover = (ResultSetCover) Cover.of(resultSet);
		cover.entry = entry;
		entry.resultSet(cover);
	}

	/**
	 * Goes on from the result set of a replay, which has made the same reads (J7): the
	 * application's result set reads on from it, at the same row, and logs into its
	 * entry.
	 * @param replayed the result set the replay made
	 * @param entry the entry the replay logged
	 */
	void continueFrom(ResultSet replayed, TransactionLog.Entry entry) {
		ResultSetCover cover = (ResultSetCover) Cover.of(replayed);
		this.resultSet = cover.resultSet;
		this.entry = entry;
		entry.resultSet(this);
	}

	@Override
	Object direct(int index) {
		// Logged reads take the slow path.
		return (this.entry == null) ? this.resultSet : null;
	}

	@Override
	public String toString() {
		return "HaResultSet[" + this.resultSet + "]";
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return switch (method.getName()) {
				case "equals" -> proxy == args[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> toString();
			};
		}
		String name = method.getName();
		if (name.equals("getStatement")) {
			return this.statement;
		}
		Object value;
		try {
			value = method.invoke(this.resultSet, args);
		}
		catch (InvocationTargetException ex) {
			Throwable failure = ex.getCause();
			if (this.entry == null || !CLASSIFIER.isStale(failure)) {
				throw failure;
			}
			// J7: recovered and replayed, then the read again, on the replayed result
			// set.
			ResultSet failed = this.resultSet;
			((StatementHost) this.connection).resume();
			if (this.resultSet == failed) {
				throw failure;
			}
			try {
				value = method.invoke(this.resultSet, args);
			}
			catch (InvocationTargetException again) {
				throw again.getCause();
			}
		}
		TransactionLog.Entry logged = this.entry;
		if (logged != null) {
			if (name.startsWith("update") || name.endsWith("Row") || name.equals("unwrap")) {
				logged.refuse("it called " + name + " on a result set");
			}
			else if (isRead(name, args)) {
				logged.read(method, args, value);
			}
		}
		return value;
	}

	/**
	 * Returns whether the operation moves in the rows or reads a value: what a replay
	 * must do again and find the same (J7).
	 */
	private static boolean isRead(String name, Object[] args) {
		return switch (name) {
			case "next", "previous", "first", "last", "absolute", "relative", "wasNull" -> true;
			default -> name.startsWith("get") && args != null && args.length > 0;
		};
	}

}
