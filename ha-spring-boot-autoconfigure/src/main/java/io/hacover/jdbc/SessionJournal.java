package io.hacover.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session state an application set on an HA JDBC connection (auto-commit, isolation,
 * read-only, schema, catalog, network timeout, client info, holdability, type map), kept
 * so that a recovery applies it again to the fresh physical connection (H27). Only the
 * last value of each setting is kept.
 */
final class SessionJournal {

	private static final List<String> ORDER = List.of("setCatalog", "setSchema", "setTransactionIsolation",
			"setReadOnly", "setHoldability", "setNetworkTimeout", "setClientInfo", "setTypeMap", "setAutoCommit");

	private final Map<String, Call> calls = new ConcurrentHashMap<>();

	private volatile boolean transactionLost;

	/**
	 * Records the call if it sets session state.
	 * @param method a method of {@link Connection}
	 * @param args its arguments
	 */
	void record(Method method, Object[] args) {
		String name = method.getName();
		if (!ORDER.contains(name)) {
			return;
		}
		String key = name;
		if (name.equals("setClientInfo") && args.length == 2) {
			key = name + ":" + args[0];
		}
		this.calls.put(key, new Call(method, args));
	}

	/**
	 * Records that a transaction was open when the connection failed: the server rolled
	 * it back, and until the application ends it, the HA connection must not run its
	 * later statements as if nothing happened (J1).
	 */
	void loseTransaction() {
		this.transactionLost = true;
	}

	/**
	 * Returns whether a transaction was lost and the application has not ended it yet.
	 * @return {@code true} between the failure and the application's commit or rollback
	 */
	boolean transactionLost() {
		return this.transactionLost;
	}

	/**
	 * Records that the application ended the lost transaction.
	 */
	void endLostTransaction() {
		this.transactionLost = false;
	}

	/**
	 * Applies the recorded state to a fresh physical connection.
	 * @param connection the fresh connection
	 * @throws SQLException when the connection refuses a setting
	 */
	void replay(Connection connection) throws SQLException {
		for (String name : ORDER) {
			for (Map.Entry<String, Call> entry : this.calls.entrySet()) {
				if (entry.getKey().equals(name) || entry.getKey().startsWith(name + ":")) {
					entry.getValue().applyTo(connection);
				}
			}
		}
	}

	/**
	 * One recorded setter call.
	 */
	record Call(Method method, Object[] args) {

		void applyTo(Object target) throws SQLException {
			try {
				this.method.invoke(target, this.args);
			}
			catch (InvocationTargetException ex) {
				if (ex.getCause() instanceof SQLException sql) {
					throw sql;
				}
				throw new SQLException("re-applying " + this.method.getName() + " failed", ex.getCause());
			}
			catch (IllegalAccessException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
