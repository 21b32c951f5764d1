package io.hacover.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

import org.springframework.util.ClassUtils;

/**
 * Whether a physical connection is inside a transaction, as the server last reported it
 * (J1): pgjdbc keeps the transaction status of every ReadyForQuery message
 * ({@link BaseConnection#getTransactionState()}), so a {@code BEGIN} sent as SQL, a pool
 * that hands out connections with auto-commit off and {@code setAutoCommit(true)} are all
 * seen for what they are. The driver's connection is found once, while the connection is
 * open; its status is the client's copy of the server's last word, so it can still be
 * read after the connection failed.
 * <p>
 * For any other driver, or when the status cannot be read, the answer is "in a
 * transaction": a guess may only ever make the cover more careful.
 * <p>
 * There is one per physical connection, whatever the driver: the statement covers know
 * the session they were made on by it.
 */
final class TransactionStatus {

	private static final boolean PGJDBC = ClassUtils.isPresent("org.postgresql.core.BaseConnection",
			TransactionStatus.class.getClassLoader());

	private final BooleanSupplier inTransaction;

	private TransactionStatus(BooleanSupplier inTransaction) {
		this.inTransaction = inTransaction;
	}

	/**
	 * Returns the status of a physical connection, to be read when it fails.
	 * @param physical an open physical connection
	 * @return its status, a new one
	 */
	static TransactionStatus of(Connection physical) {
		if (PGJDBC) {
			try {
				BooleanSupplier pgjdbc = Pgjdbc.inTransaction(physical);
				if (pgjdbc != null) {
					return new TransactionStatus(pgjdbc);
				}
			}
			catch (SQLException | RuntimeException ex) {
				// Unsure: treated as inside a transaction.
			}
		}
		return new TransactionStatus(null);
	}

	/**
	 * Returns whether the connection is inside a transaction, or whether that is unsure.
	 * @return {@code false} only when the server said the session is idle
	 */
	boolean inTransaction() {
		if (this.inTransaction == null) {
			return true;
		}
		try {
			return this.inTransaction.getAsBoolean();
		}
		catch (RuntimeException ex) {
			return true;
		}
	}

	/**
	 * Returns whether the status is the server's word, not a guess.
	 * @return {@code true} when the driver's status can be read
	 */
	boolean known() {
		return this.inTransaction != null;
	}

	/**
	 * The part that names pgjdbc's types, loaded only when pgjdbc is on the class path.
	 */
	private static final class Pgjdbc {

		static BooleanSupplier inTransaction(Connection physical) throws SQLException {
			if (!physical.isWrapperFor(BaseConnection.class)) {
				return null;
			}
			BaseConnection driver = physical.unwrap(BaseConnection.class);
			return () -> driver.getTransactionState() != TransactionState.IDLE;
		}

	}

}
