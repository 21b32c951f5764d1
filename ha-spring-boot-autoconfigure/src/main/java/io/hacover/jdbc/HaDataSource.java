package io.hacover.jdbc;

import java.io.PrintWriter;
import java.lang.invoke.MethodHandles;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

import javax.sql.DataSource;

import io.hacover.core.Attachment;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.core.HaEvent;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

import org.springframework.util.Assert;

/**
 * A {@link DataSource} whose connections are HA connections: when the database behind one
 * dies or its backend is killed, the connection is recovered on a fresh physical
 * connection from the target data source, its session state applied again and its open
 * statements prepared again, so that the same {@link Connection} and
 * {@link java.sql.PreparedStatement} objects go on working (H10, H27).
 * <p>
 * What is re-issued, and what the caller gets otherwise, follows the contract (H14, J1 to
 * J4, J8; {@link JdbcOutcomes}). Whether a transaction was open when the connection
 * failed is the server's last word ({@link TransactionStatus}). Outside one, operations
 * that only set options or parameters are re-issued, and a statement is issued again
 * inside a read-only transaction, so that the server refuses it if it writes and the
 * caller gets an {@link SQLTransactionRollbackException} of SQLState {@code 40003}
 * (statement completion unknown). Inside one, the server has rolled back the work done so
 * far: the operation fails with {@link TransactionRolledBackException}, and the lost
 * transaction refuses further statements until the application ends it
 * ({@link LostTransaction}). A commit whose reply was lost is resolved by asking the
 * server ({@link CommitOutcome}): it returns normally, or fails with
 * {@link TransactionRolledBackException} or {@link CommitOutcomeUnknownException}. Stale
 * errors are those of {@link JdbcStaleClassifier}; every other error reaches the caller
 * unchanged (H8). Asking for a connection while the database is down waits for it, within
 * the connection's recovery budget (H12).
 */
public final class HaDataSource implements DataSource {

	private static final Log logger = LogFactory.getLog(HaDataSource.class);

	private static final JdbcStaleClassifier CLASSIFIER = JdbcStaleClassifier.create();

	private final HaConnections connections;

	/**
	 * How long a connection sits idle before its next statement is preceded by a
	 * validation that finds a backend that died meanwhile (J3), by default.
	 */
	static final Duration DEFAULT_IDLE_CHECK = Duration.ofSeconds(1);

	private final DataSource target;

	private final String name;

	private final AtomicLong opened = new AtomicLong();

	private final ConnectionSettings settings;

	private final Fence fence = new Fence();

	private final JdbcOutcomes outcomes;

	private volatile Duration idleCheck = DEFAULT_IDLE_CHECK;

	private volatile TransactionLog.Replay replay = TransactionLog.Replay.DEFAULTS;

	private volatile List<InetSocketAddress> endpoints = List.of();

	/**
	 * Wraps a data source with the SAFE retransmit policy and the table's other defaults.
	 * @param connections the table of HA connections
	 * @param target the data source that makes physical connections
	 * @param name the name of this data source; its connections are named after it
	 */
	public HaDataSource(HaConnections connections, DataSource target, String name) {
		this(connections, target, name, connections.defaults().withRetransmit(RetransmitPolicy.SAFE));
	}

	/**
	 * Wraps a data source.
	 * @param connections the table of HA connections
	 * @param target the data source that makes physical connections
	 * @param name the name of this data source; its connections are named after it
	 * @param settings the settings of its connections
	 */
	public HaDataSource(HaConnections connections, DataSource target, String name, ConnectionSettings settings) {
		Assert.notNull(connections, "'connections' must not be null");
		Assert.notNull(target, "'target' must not be null");
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(settings, "'settings' must not be null");
		this.connections = connections;
		this.target = target;
		this.name = name;
		this.outcomes = new JdbcOutcomes(settings.retransmit(), target, connections);
		// The engine re-issues nothing by itself: idempotent(...) applies the policy, so
		// that no policy can continue a transaction the server rolled back.
		this.settings = settings.withRetransmit(RetransmitPolicy.NEVER);
	}

	/**
	 * Makes an HA data source whose physical connections are opened through the
	 * {@link java.sql.DriverManager} with a URL and credentials, as a data source
	 * declared with {@code ha.connections.<name>.kind: jdbc} is. The password is kept for
	 * connecting and never shown. Connections to PostgreSQL get
	 * {@linkplain PostgresDeadPeerDetection dead-peer detection} unless the URL sets it
	 * otherwise (H35).
	 * @param connections the table of HA connections
	 * @param name the name of the data source; its connections are named after it
	 * @param url the JDBC URL
	 * @param username the user, or {@code null}
	 * @param password the password, or {@code null}
	 * @param settings the settings of its connections
	 * @return the HA data source
	 */
	public static HaDataSource of(HaConnections connections, String name, String url, String username, String password,
			ConnectionSettings settings) {
		return of(connections, name, url, username, password, settings, PostgresDeadPeerDetection.defaults());
	}

	/**
	 * Makes an HA data source whose physical connections are opened through the
	 * {@link java.sql.DriverManager}, as
	 * {@link #of(HaConnections, String, String, String, String, ConnectionSettings)}
	 * does, with the given dead-peer detection for PostgreSQL
	 * ({@code ha.jdbc.dead-peer-timeout}).
	 * @param connections the table of HA connections
	 * @param name the name of the data source; its connections are named after it
	 * @param url the JDBC URL
	 * @param username the user, or {@code null}
	 * @param password the password, or {@code null}
	 * @param settings the settings of its connections
	 * @param detection how a dead PostgreSQL server is found; the URL's own settings win
	 * @return the HA data source
	 */
	public static HaDataSource of(HaConnections connections, String name, String url, String username, String password,
			ConnectionSettings settings, PostgresDeadPeerDetection detection) {
		return new HaDataSource(connections, new DriverDataSource(url, username, password, detection), name, settings)
			.endpoints(endpointsOf(url));
	}

	/**
	 * Returns the servers a PostgreSQL JDBC URL names, in order, for the readiness
	 * probes, as pgjdbc parses it: {@code jdbc:postgresql://a:5432,b:5433/db} gives
	 * {@code a:5432} and {@code b:5433}; a host without a port gets 5432.
	 * @param url the JDBC URL
	 * @return the endpoints, none for another kind of URL or one without a host
	 */
	public static List<InetSocketAddress> endpointsOf(String url) {
		Properties parsed = (url != null && url.regionMatches(true, 0, "jdbc:postgresql:", 0, 16))
				? Driver.parseURL(url, null) : null;
		if (parsed == null) {
			return List.of();
		}
		String[] hosts = PGProperty.PG_HOST.getOrDefault(parsed).split(",");
		String[] ports = PGProperty.PG_PORT.getOrDefault(parsed).split(",");
		List<InetSocketAddress> endpoints = new ArrayList<>();
		for (int i = 0; i < hosts.length && i < ports.length; i++) {
			endpoints.add(InetSocketAddress.createUnresolved(hosts[i], Integer.parseInt(ports[i])));
		}
		return List.copyOf(endpoints);
	}

	/**
	 * Names the servers the physical connections go to, so that a recovery waits for the
	 * readiness probe of their ports instead of sleeping out its back-off (H12).
	 * {@link #of} sets them from the URL.
	 * @param endpoints the endpoints; none to sleep out the back-off
	 * @return this data source
	 */
	public HaDataSource endpoints(List<InetSocketAddress> endpoints) {
		Assert.notNull(endpoints, "'endpoints' must not be null");
		this.endpoints = List.copyOf(endpoints);
		return this;
	}

	/**
	 * Sets how long a connection sits idle before its next statement is preceded by a
	 * validation (J3); {@link #DEFAULT_IDLE_CHECK} unless set. For connections opened
	 * afterwards.
	 * @param idleCheck the idle time, {@link Duration#ZERO} to validate before every
	 * statement
	 * @return this data source
	 */
	HaDataSource checkAfterIdle(Duration idleCheck) {
		this.idleCheck = idleCheck;
		return this;
	}

	/**
	 * Sets how the transactions of connections opened afterwards are replayed after a
	 * failure inside them (J7): {@code verified} (the default: logged, replayed on the
	 * recovered connection and continued only if everything the application saw comes out
	 * the same) or {@code off} (the application gets
	 * {@link TransactionRolledBackException}).
	 * @param verified {@code false} for {@code off}
	 * @param maxStatements the most operations a replayable transaction may run
	 * @param maxBytes the most bytes, estimated, its log may hold
	 * @return this data source
	 */
	public HaDataSource replay(boolean verified, int maxStatements, long maxBytes) {
		Assert.isTrue(maxStatements > 0 && maxBytes > 0, "the bounds of the replay log must be positive");
		this.replay = verified ? new TransactionLog.Replay(true, maxStatements, maxBytes) : TransactionLog.Replay.OFF;
		return this;
	}

	/**
	 * Returns the data source that makes the physical connections.
	 * @return the target
	 */
	public DataSource getTarget() {
		return this.target;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return open(this.target::getConnection);
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return open(() -> this.target.getConnection(username, password));
	}

	/**
	 * Opens an HA connection: the engine opens its first physical connection, waiting out
	 * an outage as a recovery would, by the engine's own recovery loop within the
	 * connection's budget (H12), so that code asking for a connection per call, such as
	 * {@code JdbcTemplate}, survives a restart; a recovery opens the next one the same
	 * way and applies the session state again (H27).
	 */
	private Connection open(PhysicalOpener physical) throws SQLException {
		SessionJournal journal = new SessionJournal(this.replay);
		AtomicReference<Connection> haConnection = new AtomicReference<>();
		AtomicReference<Fence.Peer> peer = new AtomicReference<>(Fence.Peer.UNKNOWN);
		String name = this.name + "-" + this.opened.incrementAndGet();
		Attachment<Connection> attachment = Attachment.opening(Connection.class, () -> {
			Connection fresh = physical.open();
			try {
				Fence.Peer on = fence(fresh, name);
				journal.replay(fresh);
				peer.set(on);
			}
			catch (SQLException ex) {
				fresh.close();
				throw ex;
			}
			return JdbcSession.of(fresh, journal, haConnection, this.idleCheck);
		})
			.recovery(new Reopen(peer))
			.peer((session) -> this.fence.shown(peer.get()))
			.name(name)
			.kind("jdbc")
			.alsoImplementing(StatementHost.class)
			.generatedIn(MethodHandles.lookup())
			.settings(this.settings)
			.classifier(CLASSIFIER)
			.waitForServer()
			.endpoints(this.endpoints)
			.idempotentWhen((call) -> this.outcomes.reissue(journal, call))
			.outcomeUnknown((call, unknown) -> this.outcomes.outcome(journal, haConnection.get(), call, unknown));
		Connection connection;
		try {
			connection = this.connections.open(attachment);
		}
		catch (SQLException | RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new SQLException("cannot open an HA connection of data source '" + this.name + "'", "08001", ex);
		}
		haConnection.set(connection);
		return connection;
	}

	/**
	 * Refuses a physical connection to another cluster or an older timeline than this
	 * data source has seen (J9), telling the listeners ({@link HaEvent.Kind#FENCED}), and
	 * returns the server it is on.
	 */
	private Fence.Peer fence(Connection fresh, String connection) throws SQLException {
		try {
			return this.fence.check(fresh, this.name);
		}
		catch (Fence.Refused refused) {
			logger.warn(refused.getMessage());
			this.connections.report(connection, HaEvent.Kind.FENCED, refused);
			throw refused;
		}
	}

	/**
	 * Reopens the connection the way it was first opened, after marking the host of the
	 * physical connection unreachable if it died of silence, so that a multi-host URL
	 * goes to another host at once (H35, J9).
	 */
	private record Reopen(AtomicReference<Fence.Peer> peer) implements RecoveryFunction<Connection> {

		@Override
		public Connection recover(RecoveryContext<Connection> context) throws Exception {
			if (context.attempt() == 1) {
				Fence.diedOfSilence(this.peer.get(), context.cause());
			}
			return context.reopen();
		}

		@Override
		public String description() {
			return "reopen";
		}

	}

	@Override
	public PrintWriter getLogWriter() throws SQLException {
		return this.target.getLogWriter();
	}

	@Override
	public void setLogWriter(PrintWriter out) throws SQLException {
		this.target.setLogWriter(out);
	}

	@Override
	public void setLoginTimeout(int seconds) throws SQLException {
		this.target.setLoginTimeout(seconds);
	}

	@Override
	public int getLoginTimeout() throws SQLException {
		return this.target.getLoginTimeout();
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		return this.target.getParentLogger();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		if (type.isInstance(this)) {
			return type.cast(this);
		}
		if (type.isInstance(this.target)) {
			return type.cast(this.target);
		}
		return this.target.unwrap(type);
	}

	@Override
	public boolean isWrapperFor(Class<?> type) throws SQLException {
		return type.isInstance(this) || type.isInstance(this.target) || this.target.isWrapperFor(type);
	}

	@Override
	public String toString() {
		return "HaDataSource[" + this.name + "]";
	}

	/**
	 * Opens a physical connection.
	 */
	@FunctionalInterface
	private interface PhysicalOpener {

		Connection open() throws SQLException;

	}

}
