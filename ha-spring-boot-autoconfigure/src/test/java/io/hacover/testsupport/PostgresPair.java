package io.hacover.testsupport;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A PostgreSQL primary ({@code synchronous_commit=on}) and a streaming standby made from
 * the embedded binaries alone ({@link PostgresServer#standbyOf}), for failover tests
 * (J9): the standby reaches the primary through a {@link TcpFaultProxy}, so that it can
 * be made to lag on purpose ({@code replication().blackHole(true)}), and streams
 * synchronously ({@code synchronous_standby_names}) or not. Crash the primary with
 * {@code primary().stopImmediately()} or {@code crash()}, then
 * {@code standby().promote()}. Closing stops both servers and the proxy, and deletes
 * their data.
 */
public final class PostgresPair implements AutoCloseable {

	/**
	 * The standby's name: its replication slot and {@code application_name}.
	 */
	public static final String STANDBY = "standby";

	private final PostgresServer primary;

	private final TcpFaultProxy replication;

	private final PostgresServer standby;

	private PostgresPair(PostgresServer primary, TcpFaultProxy replication, PostgresServer standby) {
		this.primary = primary;
		this.replication = replication;
		this.standby = standby;
	}

	/**
	 * Starts a primary, runs the given statements on it (to be copied to the standby),
	 * starts its standby, and returns once the standby streams in the given mode.
	 * @param synchronous whether commits wait for the standby to flush them
	 * @param setup statements to run on the primary first, such as {@code create table}
	 * @return the pair
	 * @throws Exception if a server cannot be started
	 */
	public static PostgresPair start(boolean synchronous, String... setup) throws Exception {
		PostgresServer primary = PostgresServer.startWithSynchronousCommit();
		TcpFaultProxy replication = null;
		try {
			for (String statement : setup) {
				primary.execute(statement);
			}
			replication = TcpFaultProxy.start(primary.port());
			PostgresPair pair = new PostgresPair(primary, replication,
					PostgresServer.standbyOf(primary, replication.port(), STANDBY));
			if (synchronous) {
				primary.execute("alter system set synchronous_standby_names = '" + STANDBY + "'");
				primary.execute("select pg_reload_conf()");
			}
			String mode = synchronous ? "sync" : "async";
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.until(() -> primary.queryForInt("select count(*) from pg_stat_replication where application_name = '"
						+ STANDBY + "' and state = 'streaming' and sync_state = '" + mode + "'") == 1);
			return pair;
		}
		catch (Exception | Error ex) {
			if (replication != null) {
				replication.close();
			}
			primary.close();
			throw ex;
		}
	}

	/**
	 * Returns the primary.
	 * @return the primary
	 */
	public PostgresServer primary() {
		return this.primary;
	}

	/**
	 * Returns the standby.
	 * @return the standby
	 */
	public PostgresServer standby() {
		return this.standby;
	}

	/**
	 * Returns the proxy the standby reaches the primary through.
	 * @return the replication proxy
	 */
	public TcpFaultProxy replication() {
		return this.replication;
	}

	/**
	 * Returns a multi-host URL that finds the primary of the two
	 * ({@code targetServerType=primary}): the given port first (the primary's, or a
	 * relay's in front of it), then the standby.
	 * @param primaryPort the port of the primary, or of a relay in front of it
	 * @param parameters further URL parameters, such as {@code hostRecheckSeconds=1}, or
	 * an empty string
	 * @return the URL
	 */
	public String url(int primaryPort, String parameters) {
		return "jdbc:postgresql://localhost:" + primaryPort + ",localhost:" + this.standby.port()
				+ "/postgres?targetServerType=primary" + (parameters.isEmpty() ? "" : "&" + parameters);
	}

	@Override
	public void close() {
		this.standby.close();
		this.replication.close();
		this.primary.close();
	}

}
