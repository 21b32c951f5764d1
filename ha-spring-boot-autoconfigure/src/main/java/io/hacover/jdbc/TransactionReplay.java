package io.hacover.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.hacover.core.Call;
import io.hacover.core.HaEvent;

/**
 * Replays an interrupted transaction on the recovered connection, with verification (J7):
 * its logged operations run again, in order, with the parameters they ran with, on the
 * fresh session, and everything the application saw must come out the same (update
 * counts, flags, the reads of each result set and the digest of their values). Then the
 * operation that failed is issued again and the application goes on as if nothing
 * happened. A replay that the connection failing again cuts off starts over on the
 * connection recovered once more, up to {@link #MAX_REPLAYS} replays in all. On any
 * difference, or when the transaction is not replayable, the replay is rolled back and
 * the application gets {@link TransactionRolledBackException}, saying why.
 */
final class TransactionReplay {

	/**
	 * How many times a transaction is replayed when its replay is cut off by the
	 * connection failing again, each time on the connection recovered once more.
	 */
	static final int MAX_REPLAYS = 3;

	private TransactionReplay() {
	}

	/**
	 * Replays the transaction, then issues the failed operation again.
	 * @param journal the HA connection's journal, with its transaction log
	 * @param connection the HA connection, recovered
	 * @param call the operation that failed
	 * @param rolledBack what the application gets if the transaction cannot be replayed
	 * @param reporter tells the connection's listeners how the replay ended
	 * @return what the failed operation returned when issued again
	 * @throws Throwable the rolled-back error, with the reason, or what the operation
	 * threw
	 */
	static Object run(SessionJournal journal, Connection connection, Call call,
			TransactionRolledBackException rolledBack, Reporter reporter) throws Throwable {
		TransactionLog log = journal.log();
		if (!log.enabled()) {
			throw lost(journal, rolledBack);
		}
		if (log.replaying()) {
			// The replay itself failed stale, and the connection is recovered again: the
			// replay that runs starts over.
			throw new Interrupted(rolledBack);
		}
		String refusal = log.notReplayable();
		if (refusal != null) {
			throw reported(reporter,
					lost(journal,
							new TransactionRolledBackException(
									rolledBack.getMessage() + "; it was not replayed, because " + refusal,
									rolledBack.getSQLState(), rolledBack.getCause())));
		}
		List<TransactionLog.Entry> entries = log.takeForReplay();
		for (int replay = 1;; replay++) {
			log.replaying(true);
			try {
				replay(log, entries);
				break;
			}
			catch (Interrupted ex) {
				rollbackQuietly(connection);
				// What the cut-off replay logged is dropped: the next one logs it again.
				log.takeForReplay();
				if (replay == MAX_REPLAYS) {
					TransactionRolledBackException cutOff = new TransactionRolledBackException(
							rolledBack.getMessage() + "; it was not replayed, because the connection failed during "
									+ "each of " + MAX_REPLAYS + " replays",
							rolledBack.getSQLState(), rolledBack.getCause());
					cutOff.addSuppressed(ex.getCause());
					throw reported(reporter, lost(journal, cutOff));
				}
			}
			catch (SQLException | RuntimeException ex) {
				rollbackQuietly(connection);
				TransactionRolledBackException differed = new TransactionRolledBackException(
						rolledBack.getMessage() + "; its replay was rolled back, because " + ex.getMessage(),
						rolledBack.getSQLState(), rolledBack.getCause());
				if (!(ex instanceof Differed)) {
					differed.addSuppressed(ex);
				}
				throw reported(reporter, lost(journal, differed));
			}
			finally {
				log.replaying(false);
			}
		}
		reporter.report(HaEvent.Kind.REPLAYED, null);
		return issueAgain(connection, call);
	}

	private static TransactionRolledBackException reported(Reporter reporter, TransactionRolledBackException error) {
		reporter.report(HaEvent.Kind.REPLAY_ROLLED_BACK, error);
		return error;
	}

	/**
	 * Tells the listeners of the connection how a replay ended.
	 */
	@FunctionalInterface
	interface Reporter {

		void report(HaEvent.Kind kind, Throwable cause);

	}

	private static void replay(TransactionLog log, List<TransactionLog.Entry> entries) throws SQLException {
		Set<StatementCover> statements = new LinkedHashSet<>();
		for (int index = 0; index < entries.size(); index++) {
			TransactionLog.Entry entry = entries.get(index);
			statements.add(entry.call().statement());
			Object result = entry.call().statement().replay(entry);
			if (!TransactionLog.same(entry.result(), result)) {
				throw new Differed(index, entry,
						"it returned " + show(entry.result()) + " before and " + show(result) + " in the replay");
			}
			if (result instanceof ResultSet rows) {
				TransactionLog.Entry again = log.last();
				for (Object[] read : entry.readList()) {
					invoke(rows, (Method) read[0], Arrays.copyOfRange(read, 1, read.length));
				}
				if (again == null || again.reads() != entry.reads() || again.digest() != entry.digest()) {
					throw new Differed(index, entry, "the values it read are not the same in the replay");
				}
				if (entry.resultSet() != null) {
					// The application's result set goes on from the replayed one.
					entry.resultSet().continueFrom(rows, again);
				}
			}
		}
		for (StatementCover statement : statements) {
			statement.afterReplay();
		}
	}

	private static Object issueAgain(Connection connection, Call call) throws Throwable {
		Object[] arguments = new Object[call.argumentCount()];
		for (int index = 0; index < arguments.length; index++) {
			arguments[index] = call.argument(index, Object.class);
		}
		return invoke(connection, call.method(), arguments);
	}

	private static Object invoke(Object target, Method method, Object[] arguments) throws SQLException {
		try {
			return method.invoke(target, arguments);
		}
		catch (InvocationTargetException ex) {
			if (ex.getCause() instanceof SQLException sql) {
				throw sql;
			}
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new SQLException(ex.getCause());
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Marks the transaction lost, so that its later statements fail until the application
	 * ends it (J1), and returns the error.
	 */
	private static TransactionRolledBackException lost(SessionJournal journal, TransactionRolledBackException error) {
		journal.loseTransaction();
		return error;
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException | RuntimeException ex) {
			// The session is failing again: the next call recovers it.
		}
	}

	private static String show(Object result) {
		if (result instanceof int[] counts) {
			return Arrays.toString(counts);
		}
		if (result instanceof long[] counts) {
			return Arrays.toString(counts);
		}
		return (result instanceof ResultSet) ? "a result set" : String.valueOf(result);
	}

	/**
	 * A replay cut off by the connection failing stale during it; the cause says what the
	 * replayed operation got.
	 */
	private static final class Interrupted extends TransactionRolledBackException {

		private static final long serialVersionUID = 1L;

		Interrupted(TransactionRolledBackException rolledBack) {
			super(rolledBack.getMessage(), rolledBack.getSQLState(), rolledBack);
		}

	}

	/**
	 * A replayed operation that did not come out the same.
	 */
	private static final class Differed extends SQLException {

		private static final long serialVersionUID = 1L;

		Differed(int index, TransactionLog.Entry entry, String how) {
			super("statement " + (index + 1) + " of the transaction (" + entry.describe() + ") differed: " + how);
		}

	}

}
