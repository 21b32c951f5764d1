package io.hacover.jdbc;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import io.hacover.core.StaleConnectionClassifier;

/**
 * The {@link StaleConnectionClassifier} of JDBC: says "this connection is dead" for the
 * errors after which a {@link java.sql.Connection} cannot be used any more and a new one
 * has to be opened (H8).
 * <p>
 * An error is stale when, anywhere in its cause chain and along
 * {@link SQLException#getNextException()} (the two are walked together, each
 * {@code Throwable} once, so cycles end the walk), there is
 * <ul>
 * <li>an {@link SQLException} whose SQLState is of class {@code 08}, "connection
 * exception" (SQL standard): {@code 08000}, {@code 08001} (the client cannot establish
 * the connection, for example refused), {@code 08003} (the connection does not exist:
 * pgjdbc's "This connection has been closed."), {@code 08004} (the server rejected the
 * connection), {@code 08006} (connection failure: pgjdbc's "An I/O error occurred while
 * sending to the backend."), {@code 08007} (transaction resolution unknown: the
 * connection broke during a commit, whose outcome the caller has to settle itself) and
 * {@code 08P01} (protocol violation);</li>
 * <li>an {@link SQLException} whose SQLState is {@code 57P01} (admin shutdown: the
 * server's backend was ended by {@code pg_terminate_backend} or by a fast shutdown),
 * {@code 57P02} (crash shutdown: another backend crashed and the server reset all of
 * them) or {@code 57P03} (cannot connect now: the server is starting up, shutting down or
 * recovering); these are PostgreSQL's, other databases do not use them;</li>
 * <li>an {@link SQLTransientConnectionException}, an
 * {@link SQLNonTransientConnectionException} (the JDBC 4 subclasses for SQLState class
 * {@code 08}, whatever state a driver or pool gives them) or an
 * {@link SQLRecoverableException} (JDBC's "close the connection and open a new one");
 * </li>
 * <li>an instance of one of {@link StaleConnectionClassifier#DEFAULT_STALE_TYPES}, the
 * socket errors of the {@linkplain StaleConnectionClassifier#defaults() default
 * classifier} (resets, refused connects, read timeouts, end of stream, closed
 * channels).</li>
 * </ul>
 * Everything else is an ordinary error that reaches the caller unchanged (H8), in
 * particular constraint violations such as {@code 23505} (unique violation), syntax
 * errors such as {@code 42601}, {@code 40001} (serialization failure) and {@code 40P01}
 * (deadlock), which call for retrying the transaction on the same, healthy connection,
 * data errors of class {@code 22} such as {@code 22012} (division by zero), and
 * {@code 57014} (query canceled, for example by a statement timeout).
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class JdbcStaleClassifier implements StaleConnectionClassifier {

	/**
	 * The SQLState class of connection exceptions: every state starting with it is stale.
	 */
	public static final String CONNECTION_EXCEPTION_CLASS = "08";

	/**
	 * The SQLStates outside class {@code 08} that are stale: PostgreSQL's {@code 57P01}
	 * (admin shutdown), {@code 57P02} (crash shutdown) and {@code 57P03} (cannot connect
	 * now).
	 */
	public static final Set<String> STALE_STATES = Set.of("57P01", "57P02", "57P03");

	private static final JdbcStaleClassifier INSTANCE = new JdbcStaleClassifier();

	private JdbcStaleClassifier() {
	}

	/**
	 * Returns the JDBC classifier.
	 * @return the classifier (a shared instance)
	 */
	public static JdbcStaleClassifier create() {
		return INSTANCE;
	}

	/**
	 * Returns whether the error says that the JDBC connection behind the failed operation
	 * is dead, as described in the {@linkplain JdbcStaleClassifier class documentation}.
	 * @param error the error, may be {@code null} (not stale)
	 * @return {@code true} to start a recovery
	 */
	@Override
	public boolean isStale(Throwable error) {
		Map<Throwable, Boolean> seen = new IdentityHashMap<>();
		Deque<Throwable> pending = new ArrayDeque<>();
		if (error != null) {
			pending.push(error);
		}
		while (!pending.isEmpty()) {
			Throwable current = pending.pop();
			if (seen.put(current, Boolean.TRUE) != null) {
				continue;
			}
			if (isStaleItself(current)) {
				return true;
			}
			if (current instanceof SQLException sql && sql.getNextException() != null) {
				pending.push(sql.getNextException());
			}
			if (current.getCause() != null) {
				pending.push(current.getCause());
			}
		}
		return false;
	}

	/**
	 * Returns whether the SQLState is stale: of class {@code 08} or one of
	 * {@link #STALE_STATES}.
	 * @param sqlState the SQLState, may be {@code null} (not stale)
	 * @return whether the state says that the connection is dead
	 */
	public static boolean isStaleState(String sqlState) {
		return sqlState != null && (sqlState.startsWith(CONNECTION_EXCEPTION_CLASS) || STALE_STATES.contains(sqlState));
	}

	private static boolean isStaleItself(Throwable error) {
		if (error instanceof SQLTransientConnectionException || error instanceof SQLNonTransientConnectionException
				|| error instanceof SQLRecoverableException) {
			return true;
		}
		if (error instanceof SQLException sql && isStaleState(sql.getSQLState())) {
			return true;
		}
		for (Class<? extends Throwable> type : DEFAULT_STALE_TYPES) {
			if (type.isInstance(error)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Returns a short description.
	 * @return the description
	 */
	@Override
	public String toString() {
		return "JdbcStaleClassifier[08xxx, 57P01, 57P02, 57P03, connection exceptions, socket errors]";
	}

}
