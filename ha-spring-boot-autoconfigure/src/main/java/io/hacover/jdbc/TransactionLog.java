package io.hacover.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.Method;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Ref;
import java.sql.RowId;
import java.sql.SQLXML;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the application did and saw inside its transaction on one HA JDBC connection, so
 * that the transaction can be replayed on a fresh session and the replay verified (J7):
 * each statement operation with a snapshot of its parameters, what it returned (an update
 * count, a flag, counts of a batch) and, for a result set, the reads the application made
 * and a digest of the values it got. Bounded by statements and by an estimate of the
 * bytes held; past a bound, or after anything a replay cannot repeat, the transaction is
 * marked not replayable, with the reason.
 * <p>
 * Used by one thread at a time, as its connection is.
 */
final class TransactionLog {

	private static final int ENTRY_BYTES = 64;

	private static final int READ_BYTES = 32;

	private final Replay settings;

	private List<Entry> entries = new ArrayList<>();

	private long bytes;

	private String notReplayable;

	private boolean replaying;

	private int generation;

	TransactionLog(Replay settings) {
		this.settings = settings;
	}

	/**
	 * Starts the log of a new transaction.
	 */
	void begin() {
		this.generation++;
		if (!this.entries.isEmpty() || this.notReplayable != null) {
			this.entries = new ArrayList<>();
			this.bytes = 0;
			this.notReplayable = null;
		}
	}

	/**
	 * Returns whether logging is on: replay is not {@code off}.
	 * @return {@code true} when statements are logged
	 */
	boolean enabled() {
		return this.settings.verified();
	}

	/**
	 * Logs an operation that ran inside the transaction.
	 * @param statement its statement
	 * @param operation the operation
	 * @param arguments its arguments
	 * @param parameters the statement's parameters when it ran
	 * @param result what it returned
	 * @return the entry, whose reads a result set adds to
	 */
	Entry add(StatementCover statement, Method operation, Object[] arguments, List<SessionJournal.Call> parameters,
			Object result) {
		Entry entry = new Entry(new StatementHost.StatementCall(statement, operation, arguments.clone(), parameters),
				summary(result));
		if (this.notReplayable != null) {
			return entry;
		}
		this.entries.add(entry);
		this.bytes += ENTRY_BYTES + 16L * parameters.size() + bytesOf(arguments);
		checkBounds();
		return entry;
	}

	/**
	 * Marks the transaction not replayable.
	 * @param why the reason, in words
	 */
	void refuse(String why) {
		if (this.notReplayable == null) {
			this.notReplayable = why;
			this.entries = new ArrayList<>();
			this.bytes = 0;
		}
	}

	/**
	 * Returns why the transaction cannot be replayed, or {@code null} if it can.
	 * @return the reason, or {@code null}
	 */
	String notReplayable() {
		return this.notReplayable;
	}

	/**
	 * Takes the entries to replay and starts an empty log, which the replay fills again.
	 * @return the entries, in the order they ran
	 */
	List<Entry> takeForReplay() {
		List<Entry> taken = this.entries;
		this.entries = new ArrayList<>();
		this.bytes = 0;
		return taken;
	}

	/**
	 * Returns the last entry logged.
	 * @return the entry, or {@code null}
	 */
	Entry last() {
		return this.entries.isEmpty() ? null : this.entries.get(this.entries.size() - 1);
	}

	boolean replaying() {
		return this.replaying;
	}

	void replaying(boolean replaying) {
		this.replaying = replaying;
	}

	private void countRead() {
		if (this.notReplayable == null) {
			this.bytes += READ_BYTES;
			checkBounds();
		}
	}

	private void checkBounds() {
		if (this.entries.size() > this.settings.maxStatements()) {
			refuse("it ran more than " + this.settings.maxStatements() + " statements (ha.jdbc.replay.max-statements)");
		}
		else if (this.bytes > this.settings.maxBytes()) {
			refuse("its log grew past " + this.settings.maxBytes() + " bytes (ha.jdbc.replay.max-bytes)");
		}
	}

	private static long bytesOf(Object[] arguments) {
		long bytes = 0;
		for (Object argument : arguments) {
			bytes += (argument instanceof String text) ? 2L * text.length() : 16;
		}
		return bytes;
	}

	/**
	 * Returns what is compared of a result: a copy of an array, so that the application
	 * cannot change it, or the value itself.
	 */
	private static Object summary(Object result) {
		if (result instanceof int[] counts) {
			return counts.clone();
		}
		if (result instanceof long[] counts) {
			return counts.clone();
		}
		return (result instanceof Boolean || result instanceof Number) ? result : null;
	}

	/**
	 * Returns whether two results are the same, as far as the application saw them.
	 * @param logged the result logged
	 * @param replayed the result of the replay
	 * @return {@code true} when they are the same
	 */
	static boolean same(Object logged, Object replayed) {
		return Objects.deepEquals(logged, summary(replayed));
	}

	/**
	 * One logged operation.
	 */
	final class Entry {

		private final StatementHost.StatementCall call;

		private final Object result;

		private final List<Object[]> reads = new ArrayList<>();

		private long digest = 17;

		private final int generation = TransactionLog.this.generation;

		private ResultSetCover resultSet;

		private Entry(StatementHost.StatementCall call, Object result) {
			this.call = call;
			this.result = result;
		}

		/**
		 * Returns the operation as it ran: its statement, arguments and parameters.
		 * @return the call, to run again
		 */
		StatementHost.StatementCall call() {
			return this.call;
		}

		Object result() {
			return this.result;
		}

		long digest() {
			return this.digest;
		}

		int reads() {
			return this.reads.size();
		}

		/**
		 * Returns the reads the application made of this entry's result set, each its
		 * method and arguments, in order.
		 * @return the reads
		 */
		List<Object[]> readList() {
			return this.reads;
		}

		/**
		 * Logs a read of this entry's result set and what it gave.
		 * @param method the result set's method
		 * @param args its arguments
		 * @param value what it returned
		 */
		void read(Method method, Object[] args, Object value) {
			if (!current() || TransactionLog.this.notReplayable != null) {
				return;
			}
			if (value instanceof Blob || value instanceof Clob || value instanceof Array || value instanceof Ref
					|| value instanceof SQLXML || value instanceof RowId || value instanceof InputStream
					|| value instanceof Reader) {
				refuse("it read a " + method.getReturnType().getSimpleName() + " from a result set");
				return;
			}
			Object[] read = new Object[(args != null) ? args.length + 1 : 1];
			read[0] = method;
			if (args != null) {
				System.arraycopy(args, 0, read, 1, args.length);
			}
			this.reads.add(read);
			this.digest = 31 * this.digest + method.getName().hashCode();
			this.digest = 31 * this.digest
					+ ((value instanceof byte[] data) ? Arrays.hashCode(data) : Objects.hashCode(value));
			TransactionLog.this.countRead();
		}

		/**
		 * Returns the application's result set of this entry.
		 * @return the result set, or {@code null}
		 */
		ResultSetCover resultSet() {
			return this.resultSet;
		}

		void resultSet(ResultSetCover resultSet) {
			this.resultSet = resultSet;
		}

		/**
		 * Marks the transaction of this entry not replayable.
		 * @param why the reason, in words
		 */
		void refuse(String why) {
			if (current()) {
				TransactionLog.this.refuse(why);
			}
		}

		/**
		 * Returns whether this entry belongs to the transaction in progress.
		 */
		private boolean current() {
			return this.generation == TransactionLog.this.generation;
		}

		/**
		 * Returns the SQL of this entry, for messages.
		 * @return the SQL, or the operation's name
		 */
		String describe() {
			String sql = this.call.statement().sqlOf(this.call.operation(), this.call.arguments());
			return this.call.operation().getName() + ((sql != null) ? " '" + sql + "'" : "");
		}

	}

	/**
	 * How transactions are replayed (J7).
	 *
	 * @param verified whether they are logged and replayed with verification;
	 * {@code false} for {@code off}
	 * @param maxStatements the most operations a replayable transaction logs
	 * @param maxBytes the most bytes, estimated, its log holds
	 */
	record Replay(boolean verified, int maxStatements, long maxBytes) {

		/**
		 * The defaults: verified, 1,000 statements, 1 MiB.
		 */
		static final Replay DEFAULTS = new Replay(true, 1000, 1024 * 1024);

		/**
		 * No replay.
		 */
		static final Replay OFF = new Replay(false, 0, 0);

	}

}
