package io.hacover.jdbc;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image needs for the JDBC cover: it cannot define classes at run time, so
 * each HA connection and each statement, result set and metadata cover is a JDK dynamic
 * proxy of its JDBC interface ({@link CoverClass}), whose methods are issued by
 * reflection.
 */
class JdbcRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
		hints.proxies().registerJdkProxy(Connection.class, StatementHost.class);
		for (Class<?> type : new Class<?>[] { Statement.class, PreparedStatement.class, CallableStatement.class,
				ResultSet.class, DatabaseMetaData.class }) {
			hints.proxies().registerJdkProxy(type);
		}
		for (Class<?> type : new Class<?>[] { Connection.class, StatementHost.class, Statement.class,
				PreparedStatement.class, CallableStatement.class, ResultSet.class, DatabaseMetaData.class,
				java.sql.Wrapper.class, AutoCloseable.class }) {
			hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

}
