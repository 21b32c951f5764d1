package io.hacover.sample;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import io.hacover.core.HaConnections;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The failover workload: books an entry in a ledger and adds it to the account's balance,
 * in one transaction of two statements, on one connection of the {@code ledger} data
 * source (auto-commit off) that it keeps for its whole life. The data source's multi-host
 * URL names a primary and its synchronous standby; when the primary crashes and the
 * standby is promoted, the connection follows the new primary (J9), and an interrupted
 * transaction is replayed there (J7), so the workload sees nothing.
 * <p>
 * A commit whose outcome is in doubt is resolved by asking the new primary; should it
 * stay unknown (SQLState {@code 08007}), or the transaction be rolled back and not
 * replayable ({@code 40000}, {@code 40003}), the workload expects the error and books the
 * same entry again: the entry's id is made by the client and its insert does nothing on a
 * conflict, and the balance moves only when the entry is new, so an entry is booked once
 * whatever happened. After each transaction a read checks that the ledger holds exactly
 * the entries acknowledged, and that the balance is their sum: no entry lost, none twice,
 * none half booked.
 */
final class LedgerWorkload extends Workload implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LedgerWorkload.class);

	private static final Set<String> EXPECTED = Set.of("08007", "40000", "40003");

	private static final int ACCOUNT = 1;

	private final Connection connection;

	private final String connectionName;

	private final PreparedStatement book;

	private final PreparedStatement credit;

	private final PreparedStatement check;

	private UUID pending;

	private int pendingAmount;

	private long acknowledged;

	/**
	 * Creates the workload: takes a connection of the data source, creates the tables if
	 * need be, and turns auto-commit off.
	 * @param ledger the {@code ledger} data source
	 * @param connections the HA connections, to learn the name of the connection
	 * @throws SQLException if the database cannot be reached
	 */
	LedgerWorkload(DataSource ledger, HaConnections connections) throws SQLException {
		super("ledger");
		this.connection = ledger.getConnection();
		this.connectionName = connections.control(this.connection).info().name();
		try (Statement statement = this.connection.createStatement()) {
			statement.execute("create table if not exists ledger_entries (id uuid primary key, "
					+ "account int not null, amount int not null, booked_at timestamptz not null default now())");
			statement.execute("create table if not exists ledger_balances (account int primary key, "
					+ "balance bigint not null, entries bigint not null)");
			statement.execute("insert into ledger_balances values (" + ACCOUNT + ", 0, 0) on conflict do nothing");
		}
		this.connection.setAutoCommit(false);
		this.book = this.connection.prepareStatement(
				"insert into ledger_entries (id, account, amount) values (?, ?, ?) on conflict (id) do nothing");
		this.credit = this.connection.prepareStatement(
				"update ledger_balances set balance = balance + ?, entries = entries + 1 where account = ?");
		this.check = this.connection
			.prepareStatement("select (select count(*) from ledger_entries), (select coalesce(sum(amount), 0) from "
					+ "ledger_entries), b.entries, b.balance from ledger_balances b where b.account = ?");
	}

	@Override
	public String connection() {
		return this.connectionName;
	}

	@Override
	protected void call() throws SQLException {
		if (this.pending == null) {
			this.pending = UUID.randomUUID();
			this.pendingAmount = ThreadLocalRandom.current().nextInt(1, 100);
		}
		try {
			this.book.setObject(1, this.pending);
			this.book.setInt(2, ACCOUNT);
			this.book.setInt(3, this.pendingAmount);
			if (this.book.executeUpdate() == 1) {
				this.credit.setInt(1, this.pendingAmount);
				this.credit.setInt(2, ACCOUNT);
				this.credit.executeUpdate();
			}
			this.connection.commit();
		}
		catch (SQLException ex) {
			rollBack(ex);
			throw ex;
		}
		this.pending = null;
		this.acknowledged++;
		try {
			checkLedger();
		}
		finally {
			this.connection.rollback();
		}
	}

	private void checkLedger() throws SQLException {
		this.check.setInt(1, ACCOUNT);
		try (ResultSet row = this.check.executeQuery()) {
			if (!row.next()) {
				throw new IllegalStateException("account " + ACCOUNT + " has no balance");
			}
			long stored = row.getLong(1);
			long sum = row.getLong(2);
			long entries = row.getLong(3);
			long balance = row.getLong(4);
			if (stored != this.acknowledged) {
				throw new IllegalStateException(
						"the ledger holds %d entries, but %d were acknowledged".formatted(stored, this.acknowledged));
			}
			if (entries != stored || balance != sum) {
				throw new IllegalStateException(("the balance counts %d entries for %d, but the ledger holds %d "
						+ "entries for %d: a transaction was applied in part")
					.formatted(entries, balance, stored, sum));
			}
		}
	}

	/**
	 * Ends the failed transaction, so that the next one starts afresh.
	 */
	private void rollBack(SQLException failure) {
		try {
			this.connection.rollback();
		}
		catch (SQLException ex) {
			failure.addSuppressed(ex);
		}
	}

	@Override
	protected boolean handles(Exception ex) {
		if (ex instanceof SQLException sql && EXPECTED.contains(sql.getSQLState())) {
			logger.info("ledger: entry %s was not acknowledged after the failover (%s: %s); booking it again"
				.formatted(this.pending, sql.getSQLState(), sql.getMessage()));
			return true;
		}
		return false;
	}

	@Override
	public void close() throws SQLException {
		this.connection.close();
	}

}
