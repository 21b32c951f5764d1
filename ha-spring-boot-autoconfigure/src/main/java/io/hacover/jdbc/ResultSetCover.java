package io.hacover.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;

/**
 * A result set of an HA statement: the physical result set, except that
 * {@code getStatement()} gives the HA statement, never the physical one behind it. Rows
 * the driver already fetched stay readable after the connection fails; a result set is
 * not re-run after a recovery, as the JDBC contract closes it with its connection.
 */
final class ResultSetCover implements InvocationHandler {

	private final ResultSet resultSet;

	private final Object statement;

	private TransactionLog.Entry entry;

	private ResultSetCover(ResultSet resultSet, Object statement) {
		this.resultSet = resultSet;
		this.statement = statement;
	}

	/**
	 * Wraps a physical result set.
	 * @param resultSet the physical result set
	 * @param statement the HA statement it came from
	 * @return the result set
	 */
	static ResultSet create(ResultSet resultSet, Object statement) {
		return (ResultSet) Proxy.newProxyInstance(ResultSetCover.class.getClassLoader(),
				new Class<?>[] { ResultSet.class }, new ResultSetCover(resultSet, statement));
	}

	/**
	 * Logs the reads the application makes of a result set into the entry of the
	 * operation that made it, inside a transaction (J7).
	 * @param resultSet a result set made by {@link #create}
	 * @param entry the entry of the operation that made it
	 */
	static void log(ResultSet resultSet, TransactionLog.Entry entry) {
		((ResultSetCover) Proxy.getInvocationHandler(resultSet)).entry = entry;
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return switch (method.getName()) {
				case "equals" -> proxy == args[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> "HaResultSet[" + this.resultSet + "]";
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
			throw ex.getCause();
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
