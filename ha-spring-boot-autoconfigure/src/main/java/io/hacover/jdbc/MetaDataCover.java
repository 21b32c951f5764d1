package io.hacover.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;

/**
 * The {@link DatabaseMetaData} of an HA JDBC connection: every call runs on the metadata
 * of the physical connection current at that time, through the HA connection, so that it
 * keeps working after a recovery; {@code getConnection()} gives the HA connection.
 */
final class MetaDataCover implements InvocationHandler {

	private final Connection connection;

	private MetaDataCover(Connection connection) {
		this.connection = connection;
	}

	/**
	 * Makes the metadata of an HA connection.
	 * @param connection the HA connection
	 * @return its metadata
	 */
	static DatabaseMetaData create(Connection connection) {
		return (DatabaseMetaData) Proxy.newProxyInstance(MetaDataCover.class.getClassLoader(),
				new Class<?>[] { DatabaseMetaData.class }, new MetaDataCover(connection));
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		if (method.getDeclaringClass() == Object.class) {
			return switch (method.getName()) {
				case "equals" -> proxy == args[0];
				case "hashCode" -> System.identityHashCode(proxy);
				default -> "HaDatabaseMetaData";
			};
		}
		if (method.getName().equals("getConnection")) {
			return this.connection;
		}
		return ((StatementHost) this.connection)
			.metaData(new StatementHost.MetaDataCall(method, (args != null) ? args : new Object[0]));
	}

}
