package io.hacover.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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

	private final Map<String, String> sqlSettings = new LinkedHashMap<>();

	private final ReentrantLock settingsLock = new ReentrantLock();

	private volatile String unrebuildable;

	private final TransactionLog log;

	/**
	 * Makes the journal of a new HA connection.
	 * @param replay how its transactions are replayed (J7)
	 */
	SessionJournal(TransactionLog.Replay replay) {
		this.log = new TransactionLog(replay);
	}

	/**
	 * Returns the log of the transaction in progress (J7).
	 * @return the log
	 */
	TransactionLog log() {
		return this.log;
	}

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
	 * Returns whether the application left auto-commit on, as far as its setter calls
	 * say: with it off, every statement runs inside a transaction that only a commit ends
	 * (J1).
	 * @return {@code false} once the application turned auto-commit off
	 */
	boolean autoCommit() {
		Call set = this.calls.get("setAutoCommit");
		return set == null || Boolean.TRUE.equals(set.args()[0]);
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
	 * Records what a statement that ran did to the session (J6): a setting made in SQL
	 * outside a transaction is made again after a reconnect, after the setter calls and
	 * in the order it was made; one made inside a transaction (which may yet be rolled
	 * back), or state that cannot be rebuilt, makes the session refuse transparent
	 * recovery.
	 * @param effect what the statement did to the session
	 * @param inTransaction whether the session is inside a transaction after it ran,
	 * asked only for a setting
	 */
	void ran(SessionSql.Effect effect, BooleanSupplier inTransaction) {
		String sql = effect.setting();
		if (effect.unrebuildable() != null) {
			this.unrebuildable = effect.unrebuildable();
		}
		else if (sql != null) {
			if (inTransaction.getAsBoolean()) {
				this.unrebuildable = "a setting made inside a transaction ('" + sql.strip() + "')";
			}
			else {
				synchronizedSettings((settings) -> {
					String key = settingKey(sql);
					settings.remove(key);
					settings.put(key, sql);
				});
			}
		}
	}

	/**
	 * Applies the recorded state to a fresh physical connection.
	 * @param connection the fresh connection
	 * @throws SQLException when the connection refuses a setting, or the session holds
	 * state that cannot be rebuilt (SQLState {@code 0A000}): the recovery then ends at
	 * once, and the connection's calls fail with their stale error, so that a pool
	 * replaces it (J6)
	 */
	void replay(Connection connection) throws SQLException {
		String state = this.unrebuildable;
		if (state != null) {
			throw new SQLException("the session holds state that cannot be rebuilt on a new connection: " + state
					+ "; this connection refuses transparent recovery, open a new one", "0A000");
		}
		for (String name : ORDER) {
			for (Map.Entry<String, Call> entry : this.calls.entrySet()) {
				if (entry.getKey().equals(name) || entry.getKey().startsWith(name + ":")) {
					entry.getValue().applyTo(connection);
				}
			}
		}
		List<String> settings = new ArrayList<>();
		synchronizedSettings((all) -> settings.addAll(all.values()));
		if (settings.isEmpty()) {
			return;
		}
		try (Statement statement = connection.createStatement()) {
			for (String setting : settings) {
				statement.execute(setting);
			}
		}
	}

	private void synchronizedSettings(Consumer<Map<String, String>> action) {
		this.settingsLock.lock();
		try {
			action.accept(this.sqlSettings);
		}
		finally {
			this.settingsLock.unlock();
		}
	}

	/**
	 * The parameter a setting is about: {@code SET search_path TO a} and
	 * {@code RESET search_path} share one, so only the last one is made again.
	 */
	private static String settingKey(String sql) {
		String[] words = sql.strip().toLowerCase(Locale.ROOT).split("[\\s=]+");
		int at = (words.length > 1 && words[1].equals("session")) ? 2 : 1;
		return (words.length > at) ? words[at] : sql;
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
