package io.hacover.soak;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import javax.sql.DataSource;

import io.hacover.soak.Operation.Kind;

/**
 * The soak's workload: threads that each hold two connections of an HA data source (one
 * with auto-commit off, one with it on) and run, drawn at random from a seed, write
 * transactions (70%), auto-commit inserts (15%) and reads (15%). Each write carries a
 * unique client-generated id ({@code t<thread>-<n>}). Every operation goes to the
 * {@link History} with how it ended and its longest JDBC call.
 * <p>
 * After an error the transaction is rolled back; a connection whose rollback fails, or
 * that gave an undocumented error, is closed and opened again.
 */
final class Workload {

	static final String INSERT = "insert into soak_tx";

	static final String UPDATE = "update soak_counter";

	static final String READ = "select count(*) from soak_tx";

	static final String SCHEMA = "create table soak_tx (seq bigserial primary key, id text not null, "
			+ "thread int not null, kind text not null); create index on soak_tx (thread); "
			+ "create table soak_counter (thread int primary key, n bigint not null)";

	private final DataSource dataSource;

	private final History history;

	private final List<Thread> threads = new ArrayList<>();

	private final List<Worker> workers = new ArrayList<>();

	private volatile boolean stopped;

	Workload(DataSource dataSource, int threads, long seed, History history) {
		this.dataSource = dataSource;
		this.history = history;
		for (int thread = 0; thread < threads; thread++) {
			Worker worker = new Worker(thread, new Random(seed * 31 + thread));
			Thread running = new Thread(worker, "chaos-workload-" + thread);
			running.setDaemon(true);
			this.workers.add(worker);
			this.threads.add(running);
		}
	}

	/**
	 * Returns the statements that make the soak's tables, with one counter per thread.
	 * @param threads the number of threads
	 * @return the statements, separated by semicolons
	 */
	static String schema(int threads) {
		return SCHEMA + "; insert into soak_counter select g, 0 from generate_series(0, " + (threads - 1) + ") g";
	}

	void start() {
		this.threads.forEach(Thread::start);
	}

	/**
	 * Asks every thread to stop after its operation and waits for them.
	 * @param timeout how long to wait for each thread
	 * @return what the threads that did not stop were doing: a hang
	 * @throws InterruptedException if interrupted while waiting
	 */
	List<String> stop(Duration timeout) throws InterruptedException {
		this.stopped = true;
		List<String> hung = new ArrayList<>();
		for (int i = 0; i < this.threads.size(); i++) {
			this.threads.get(i).join(timeout.toMillis());
			if (this.threads.get(i).isAlive()) {
				hung.add(this.threads.get(i).getName() + " in " + this.workers.get(i).current);
			}
		}
		return hung;
	}

	/**
	 * One thread of the workload.
	 */
	private final class Worker implements Runnable {

		private final int thread;

		private final Random random;

		private Connection transactional;

		private Connection autoCommit;

		private long acknowledged;

		private long unknown;

		private long longest;

		private volatile String current = "nothing";

		Worker(int thread, Random random) {
			this.thread = thread;
			this.random = random;
		}

		@Override
		public void run() {
			for (int n = 0; !Workload.this.stopped; n++) {
				int draw = this.random.nextInt(100);
				Kind kind = (draw < 70) ? Kind.TRANSACTION : (draw < 85) ? Kind.AUTO_COMMIT_INSERT : Kind.READ;
				String id = "t" + this.thread + "-" + n;
				this.current = kind + " " + id;
				operate(id, kind);
			}
			closeQuietly(this.transactional);
			closeQuietly(this.autoCommit);
		}

		private void operate(String id, Kind kind) {
			long start = System.nanoTime();
			this.longest = 0;
			long low = this.acknowledged;
			long high = this.acknowledged + this.unknown;
			long read = -1;
			Outcome outcome = Outcome.OK;
			String error = null;
			try {
				switch (kind) {
					case TRANSACTION -> transaction(id);
					case AUTO_COMMIT_INSERT -> autoCommitInsert(id);
					case READ -> read = read();
				}
			}
			catch (SQLException | RuntimeException ex) {
				outcome = Outcome.of(ex, kind == Kind.AUTO_COMMIT_INSERT);
				error = ex.getClass().getSimpleName()
						+ ((ex instanceof SQLException sql) ? " " + sql.getSQLState() : "") + ": " + ex.getMessage();
				afterFailure(kind, outcome);
			}
			if (kind.writes()) {
				if (outcome == Outcome.OK) {
					this.acknowledged++;
				}
				else if (outcome != Outcome.ROLLED_BACK) {
					this.unknown++;
				}
			}
			Workload.this.history
				.add(new Operation(id, this.thread, kind, start, this.longest, outcome, error, read, low, high));
		}

		private void transaction(String id) throws SQLException {
			Connection connection = transactional();
			try (PreparedStatement insert = connection
				.prepareStatement(INSERT + " (id, thread, kind) values (?, ?, ?)");
					PreparedStatement update = connection
						.prepareStatement(UPDATE + " set n = n + 1 where thread = ?")) {
				insert.setString(1, id);
				insert.setInt(2, this.thread);
				insert.setString(3, "transaction");
				call(insert::executeUpdate);
				update.setInt(1, this.thread);
				call(update::executeUpdate);
				call(() -> {
					connection.commit();
					return null;
				});
			}
		}

		private void autoCommitInsert(String id) throws SQLException {
			Connection connection = autoCommit();
			try (PreparedStatement insert = connection
				.prepareStatement(INSERT + " (id, thread, kind) values (?, ?, ?)")) {
				insert.setString(1, id);
				insert.setInt(2, this.thread);
				insert.setString(3, "auto-commit");
				call(insert::executeUpdate);
			}
		}

		private long read() throws SQLException {
			Connection connection = autoCommit();
			try (PreparedStatement count = connection.prepareStatement(READ + " where thread = ?")) {
				count.setInt(1, this.thread);
				return call(() -> {
					try (ResultSet rows = count.executeQuery()) {
						rows.next();
						return rows.getLong(1);
					}
				});
			}
		}

		private Connection transactional() throws SQLException {
			if (this.transactional == null) {
				this.transactional = call(Workload.this.dataSource::getConnection);
				this.transactional.setAutoCommit(false);
			}
			return this.transactional;
		}

		private Connection autoCommit() throws SQLException {
			if (this.autoCommit == null) {
				this.autoCommit = call(Workload.this.dataSource::getConnection);
			}
			return this.autoCommit;
		}

		private void afterFailure(Kind kind, Outcome outcome) {
			if (kind != Kind.TRANSACTION) {
				if (outcome == Outcome.UNDOCUMENTED) {
					closeQuietly(this.autoCommit);
					this.autoCommit = null;
				}
				return;
			}
			if (this.transactional == null) {
				return;
			}
			try {
				Connection connection = this.transactional;
				call(() -> {
					connection.rollback();
					return null;
				});
				if (outcome != Outcome.UNDOCUMENTED) {
					return;
				}
			}
			catch (SQLException | RuntimeException ex) {
				// Replaced below: the next transaction gets a connection that works.
			}
			closeQuietly(this.transactional);
			this.transactional = null;
		}

		private <T> T call(SqlCall<T> call) throws SQLException {
			long start = System.nanoTime();
			try {
				return call.call();
			}
			finally {
				this.longest = Math.max(this.longest, System.nanoTime() - start);
			}
		}

		private static void closeQuietly(Connection connection) {
			if (connection != null) {
				try {
					connection.close();
				}
				catch (SQLException | RuntimeException ex) {
					// Closing a broken connection: nothing to do.
				}
			}
		}

	}

	/**
	 * One JDBC call, timed.
	 */
	@FunctionalInterface
	private interface SqlCall<T> {

		T call() throws SQLException;

	}

}
