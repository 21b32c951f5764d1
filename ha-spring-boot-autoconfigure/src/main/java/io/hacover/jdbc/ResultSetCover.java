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

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return switch (method.getName()) {
				case "equals" -> proxy == args[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> "HaResultSet[" + this.resultSet + "]";
			};
		}
		if (method.getName().equals("getStatement")) {
			return this.statement;
		}
		try {
			return method.invoke(this.resultSet, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

}
