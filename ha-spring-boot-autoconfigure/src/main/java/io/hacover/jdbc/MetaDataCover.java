package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DatabaseMetaData;

/**
 * The {@link DatabaseMetaData} of an HA JDBC connection: every call runs on the metadata
 * of the physical connection current at that time, through the HA connection, so that it
 * keeps working after a recovery; {@code getConnection()} gives the HA connection.
 */
class MetaDataCover extends Cover {

	private static final CoverClass CLASS = CoverClass.of(DatabaseMetaData.class, MetaDataCover.class, (method) -> true,
			MethodType.methodType(MetaDataCover.class, Connection.class));

	private final Connection connection;

	MetaDataCover(Connection connection) {
		this.connection = connection;
	}

	/**
	 * Makes the metadata of an HA connection.
	 * @param connection the HA connection
	 * @return its metadata
	 */
	static DatabaseMetaData create(Connection connection) {
		MethodHandle generated = CLASS.constructor();
		MetaDataCover cover;
		try {
			cover = (generated != null) ? (MetaDataCover) generated.invokeExact(connection)
					: new MetaDataCover(connection);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		return (DatabaseMetaData) CLASS.expose(cover);
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
		if (method.getName().equals("getConnection")) {
			return this.connection;
		}
		return ((StatementHost) this.connection)
			.metaData(new StatementHost.MetaDataCall(method, (args != null) ? args : NO_ARGUMENTS));
	}

	@Override
	public String toString() {
		return "HaDatabaseMetaData";
	}

}
