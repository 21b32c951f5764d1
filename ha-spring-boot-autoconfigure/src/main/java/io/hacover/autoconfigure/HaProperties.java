package io.hacover.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hacover.core.RetransmitPolicy;

import io.hacover.jdbc.PostgresDeadPeerDetection;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of HA connections, under {@code ha.*}: defaults for every connection,
 * then per-connection overrides under {@code ha.connections.<name>.*}. Unknown keys fail
 * start-up.
 */
@ConfigurationProperties(prefix = "ha", ignoreUnknownFields = false)
public class HaProperties {

	/**
	 * Whether to make @HaAware beans HA-aware.
	 */
	private boolean enabled = true;

	/**
	 * Settings for every connection, unless overridden under ha.connections.<name>.
	 */
	private final Connection defaults = new Connection();

	/**
	 * Settings of single connections, by connection name; each overrides ha.defaults.
	 * With a 'kind', the connection is declared here and becomes a bean of that name.
	 */
	private final Map<String, DeclaredConnection> connections = new LinkedHashMap<>();

	/**
	 * The JDBC cover.
	 */
	private final Jdbc jdbc = new Jdbc();

	/**
	 * Fully qualified names of further exception types that mean a connection is dead,
	 * anywhere in the cause chain, besides the java.io, java.net and java.nio connection
	 * errors.
	 */
	private List<String> staleExceptions = new ArrayList<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Connection getDefaults() {
		return this.defaults;
	}

	public Map<String, DeclaredConnection> getConnections() {
		return this.connections;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public List<String> getStaleExceptions() {
		return this.staleExceptions;
	}

	public void setStaleExceptions(List<String> staleExceptions) {
		this.staleExceptions = staleExceptions;
	}

	/**
	 * The JDBC cover: HA connections for the application's data sources.
	 */
	public static class Jdbc {

		/**
		 * Whether to wrap every DataSource bean so that its connections are HA
		 * connections, named after the bean and configured under ha.connections.<bean
		 * name>.
		 */
		private boolean enabled;

		/**
		 * How long a PostgreSQL server may stay silent (black-holed: packets dropped, no
		 * reset) before it is declared dead: TCP keepalive tuned per connection, and the
		 * connect timeout of a new one. A query runs as long as it needs on a server that
		 * answers. A URL's own socketFactoryArg or connectTimeout wins.
		 */
		private Duration deadPeerTimeout = PostgresDeadPeerDetection.DEFAULT_DEAD_PEER_TIMEOUT;

		/**
		 * Replay of a transaction interrupted by a failure, on the recovered connection.
		 */
		private final Replay replay = new Replay();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getDeadPeerTimeout() {
			return this.deadPeerTimeout;
		}

		public void setDeadPeerTimeout(Duration deadPeerTimeout) {
			this.deadPeerTimeout = deadPeerTimeout;
		}

		public Replay getReplay() {
			return this.replay;
		}

		/**
		 * Replay of an interrupted transaction (J7): logged, run again on the recovered
		 * connection, and continued only when everything the application saw comes out
		 * the same.
		 */
		public static class Replay {

			/**
			 * How interrupted transactions are handled: 'verified' replays them and goes
			 * on only when everything the application saw comes out the same; 'off' gives
			 * the application the rolled-back error.
			 */
			private ReplayMode mode = ReplayMode.VERIFIED;

			/**
			 * Most statement operations a replayable transaction may run; past it the
			 * transaction is not replayed.
			 */
			private int maxStatements = 1000;

			/**
			 * Most bytes the log of a replayable transaction may hold (parameters and
			 * reads); past it the transaction is not replayed.
			 */
			private DataSize maxBytes = DataSize.ofMegabytes(1);

			public ReplayMode getMode() {
				return this.mode;
			}

			public void setMode(ReplayMode mode) {
				this.mode = mode;
			}

			public int getMaxStatements() {
				return this.maxStatements;
			}

			public void setMaxStatements(int maxStatements) {
				this.maxStatements = maxStatements;
			}

			public DataSize getMaxBytes() {
				return this.maxBytes;
			}

			public void setMaxBytes(DataSize maxBytes) {
				this.maxBytes = maxBytes;
			}

		}

		/**
		 * How interrupted transactions are handled.
		 */
		public enum ReplayMode {

			/**
			 * Replayed with verification.
			 */
			VERIFIED,

			/**
			 * Not replayed: the application gets the rolled-back error.
			 */
			OFF

		}

	}

	/**
	 * Settings of one connection, or of every connection under {@code ha.defaults}.
	 */
	public static class Connection {

		/**
		 * Name of the RecoveryFunction bean that recovers the connection. Unset to take
		 * the one named by @HaAware, or else to make a fresh instance of the bean.
		 */
		private String recovery;

		/**
		 * Name of a bean that spaces recovery attempts instead of 'backoff': a
		 * RecoveryPolicy, a Spring BackOff, or, with spring-retry, a BackOffPolicy or
		 * RetryTemplate.
		 */
		private String policy;

		/**
		 * Whether an operation that failed stale is issued again after recovery:
		 * 'always', 'safe' (only @Idempotent methods) or 'never'. Default 'always'.
		 */
		private RetransmitPolicy retransmit;

		/**
		 * How many times one call is re-issued after recoveries before its stale error
		 * reaches the caller. Default 3.
		 */
		private Integer maxRetransmissions;

		/**
		 * Maximum number of calls of the recovery function in total, successful or not;
		 * -1 for no limit (the default), 0 to disable recovery.
		 */
		private Long maxRecoveries;

		/**
		 * Maximum number of failed calls of the recovery function in a row; -1 for no
		 * limit (the default).
		 */
		private Long maxConsecutiveFailures;

		/**
		 * Spacing of the attempts of one recovery.
		 */
		private final Backoff backoff = new Backoff();

		public String getRecovery() {
			return this.recovery;
		}

		public void setRecovery(String recovery) {
			this.recovery = recovery;
		}

		public String getPolicy() {
			return this.policy;
		}

		public void setPolicy(String policy) {
			this.policy = policy;
		}

		public RetransmitPolicy getRetransmit() {
			return this.retransmit;
		}

		public void setRetransmit(RetransmitPolicy retransmit) {
			this.retransmit = retransmit;
		}

		public Integer getMaxRetransmissions() {
			return this.maxRetransmissions;
		}

		public void setMaxRetransmissions(Integer maxRetransmissions) {
			this.maxRetransmissions = maxRetransmissions;
		}

		public Long getMaxRecoveries() {
			return this.maxRecoveries;
		}

		public void setMaxRecoveries(Long maxRecoveries) {
			this.maxRecoveries = maxRecoveries;
		}

		public Long getMaxConsecutiveFailures() {
			return this.maxConsecutiveFailures;
		}

		public void setMaxConsecutiveFailures(Long maxConsecutiveFailures) {
			this.maxConsecutiveFailures = maxConsecutiveFailures;
		}

		public Backoff getBackoff() {
			return this.backoff;
		}

	}

	/**
	 * Replay of interrupted transactions for one data source; an unset key takes the
	 * value under {@code ha.jdbc.replay}.
	 */
	public static class ReplayOverride {

		/**
		 * How interrupted transactions of this data source are handled: 'verified' or
		 * 'off'.
		 */
		private Jdbc.ReplayMode mode;

		/**
		 * Most statement operations a replayable transaction of this data source may run.
		 */
		private Integer maxStatements;

		/**
		 * Most bytes the log of a replayable transaction of this data source may hold.
		 */
		private DataSize maxBytes;

		public Jdbc.ReplayMode getMode() {
			return this.mode;
		}

		public void setMode(Jdbc.ReplayMode mode) {
			this.mode = mode;
		}

		public Integer getMaxStatements() {
			return this.maxStatements;
		}

		public void setMaxStatements(Integer maxStatements) {
			this.maxStatements = maxStatements;
		}

		public DataSize getMaxBytes() {
			return this.maxBytes;
		}

		public void setMaxBytes(DataSize maxBytes) {
			this.maxBytes = maxBytes;
		}

	}

	/**
	 * Settings of one connection under {@code ha.connections.<name>}: those of every
	 * connection, and what to open when the connection is declared here rather than by an
	 * {@code @HaAware} bean.
	 */
	public static class DeclaredConnection extends Connection {

		/**
		 * Replay of interrupted transactions, for a data source: a key set here wins over
		 * the same key under ha.jdbc.replay.
		 */
		private final ReplayOverride replay = new ReplayOverride();

		/**
		 * What to open for a connection declared here, as a bean named after it:
		 * 'channel' (a SeekableByteChannel on a file by path or URI), 'http' (a read-only
		 * SeekableByteChannel on an http: or https: URI) or 'socket' (a SocketConnection
		 * to the endpoints). Unset for the connections of @HaAware beans.
		 */
		private ConnectionKind kind;

		/**
		 * File to open, for kind 'channel'.
		 */
		private Path path;

		/**
		 * File to open by URI: file: for kind 'channel', http: or https: for kind 'http'.
		 */
		private URI uri;

		/**
		 * How to open the file of a 'channel' given by path, for example read, write,
		 * create, append. Default read.
		 */
		private List<StandardOpenOption> options = new ArrayList<>();

		/**
		 * Endpoints of a 'socket', as host:port, tried in order; recovery fails over to
		 * the next when one stays down.
		 */
		private List<String> endpoints = new ArrayList<>();

		/**
		 * JDBC URL of a 'jdbc' data source.
		 */
		private String url;

		/**
		 * User of a 'jdbc' data source.
		 */
		private String username;

		/**
		 * Password of a 'jdbc' data source; never shown in messages, logs or endpoints.
		 */
		private String password;

		/**
		 * Name of a SocketHandshake bean run on every fresh connection of a 'socket' (log
		 * in again, re-subscribe).
		 */
		private String handshake;

		/**
		 * How long a 'socket' waits to connect to one endpoint. Default 2s.
		 */
		private Duration connectTimeout;

		/**
		 * How long a read of a 'socket' waits for data before the connection is deemed
		 * dead, or how long an 'http' request waits for its answer and a read of its body
		 * for more bytes. Default 30s for sockets, 10s for http.
		 */
		private Duration readTimeout;

		public ConnectionKind getKind() {
			return this.kind;
		}

		public void setKind(ConnectionKind kind) {
			this.kind = kind;
		}

		public Path getPath() {
			return this.path;
		}

		public void setPath(Path path) {
			this.path = path;
		}

		public URI getUri() {
			return this.uri;
		}

		public void setUri(URI uri) {
			this.uri = uri;
		}

		public List<StandardOpenOption> getOptions() {
			return this.options;
		}

		public void setOptions(List<StandardOpenOption> options) {
			this.options = options;
		}

		public List<String> getEndpoints() {
			return this.endpoints;
		}

		public void setEndpoints(List<String> endpoints) {
			this.endpoints = endpoints;
		}

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public String getUsername() {
			return this.username;
		}

		public void setUsername(String username) {
			this.username = username;
		}

		public String getPassword() {
			return this.password;
		}

		public void setPassword(String password) {
			this.password = password;
		}

		public String getHandshake() {
			return this.handshake;
		}

		public void setHandshake(String handshake) {
			this.handshake = handshake;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		public ReplayOverride getReplay() {
			return this.replay;
		}

	}

	/**
	 * What a connection declared under {@code ha.connections.<name>} opens.
	 */
	public enum ConnectionKind {

		/**
		 * A file, by path or {@code file:} URI.
		 */
		CHANNEL,

		/**
		 * A file served over {@code http:} or {@code https:}, read-only.
		 */
		HTTP,

		/**
		 * A TCP connection to one of a list of endpoints.
		 */
		SOCKET,

		/**
		 * A data source on a JDBC URL whose connections are HA connections.
		 */
		JDBC

	}

	/**
	 * Exponential spacing of the attempts of one recovery. The first attempt runs at
	 * once.
	 */
	public static class Backoff {

		/**
		 * Wait before the second attempt. Default 50ms.
		 */
		private Duration initialDelay;

		/**
		 * Factor applied to the wait after each failed attempt, at least 1. Default 2.
		 */
		private Double multiplier;

		/**
		 * Longest wait between two attempts. Default 250ms.
		 */
		private Duration maxDelay;

		/**
		 * Total number of attempts of one recovery, the first included. Default 150, so
		 * that the budget ends a recovery.
		 */
		private Integer maxAttempts;

		/**
		 * Time budget of one recovery, from the stale error; when spent, the caller gets
		 * the original error. Default 30s.
		 */
		private Duration budget;

		/**
		 * Random amount added to or taken from each wait, at most the initial delay.
		 * Default 0.
		 */
		private Duration jitter;

		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(Double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getBudget() {
			return this.budget;
		}

		public void setBudget(Duration budget) {
			this.budget = budget;
		}

		public Duration getJitter() {
			return this.jitter;
		}

		public void setJitter(Duration jitter) {
			this.jitter = jitter;
		}

	}

}
