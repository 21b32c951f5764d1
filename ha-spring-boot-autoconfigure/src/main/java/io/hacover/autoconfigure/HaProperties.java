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

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of HA connections, under {@code ha.*}: defaults for every connection
 * under {@code ha.defaults}, then per-connection overrides under
 * {@code ha.connections.<name>.*}, whose unset keys take the defaults. Unknown keys fail
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
	private final Defaults defaults = new Defaults();

	/**
	 * Settings of single connections, by connection name; each overrides ha.defaults.
	 * With one of the groups 'channel', 'http', 'socket' or 'jdbc', the connection is
	 * declared here and becomes a bean of that name.
	 */
	private final Map<String, Connection> connections = new LinkedHashMap<>();

	/**
	 * The JDBC cover.
	 */
	private final Jdbc jdbc = new Jdbc();

	/**
	 * Readiness probes: while a connection recovers, one probe per server endpoint checks
	 * whether its port accepts connections, and the reconnect is attempted as soon as it
	 * does.
	 */
	private final Probe probe = new Probe();

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

	public Defaults getDefaults() {
		return this.defaults;
	}

	public Map<String, Connection> getConnections() {
		return this.connections;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public Probe getProbe() {
		return this.probe;
	}

	public List<String> getStaleExceptions() {
		return this.staleExceptions;
	}

	public void setStaleExceptions(List<String> staleExceptions) {
		this.staleExceptions = staleExceptions;
	}

	/**
	 * Readiness probes of the servers that connections recover from.
	 */
	public static class Probe {

		/**
		 * Time between two probes of one server endpoint while any connection to it
		 * recovers; 0 to sleep out the back-off instead.
		 */
		private Duration interval = Duration.ofMillis(10);

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * What a connection's settings are read from: {@link Defaults} or a
	 * {@link Connection}'s overrides, where {@code null} means "not set here".
	 */
	interface Settings {

		String getRecovery();

		String getPolicy();

		RetransmitPolicy getRetransmit();

		Integer getMaxRetransmissions();

		Long getMaxRecoveries();

		Long getMaxConsecutiveFailures();

		BackoffSettings getBackoff();

	}

	/**
	 * What the spacing of a connection's recovery attempts is read from.
	 */
	interface BackoffSettings {

		Duration getInitialDelay();

		Double getMultiplier();

		Duration getMaxDelay();

		Integer getMaxAttempts();

		Duration getBudget();

		Duration getJitter();

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
		private boolean enabled = false;

		/**
		 * How long a PostgreSQL server may stay silent (black-holed: packets dropped, no
		 * reset) before it is declared dead: TCP keepalive tuned per connection, and the
		 * connect timeout of a new one. A query runs as long as it needs on a server that
		 * answers. A URL's own socketFactoryArg or connectTimeout wins.
		 */
		private Duration deadPeerTimeout = Duration.ofSeconds(10);

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
	 * Settings of every connection, under {@code ha.defaults}.
	 */
	public static class Defaults implements Settings {

		/**
		 * Name of the RecoveryFunction bean that recovers a connection. Unset to take the
		 * one named by @HaAware, or else to make a fresh instance of the bean.
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
		 * 'always', 'safe' (only @Idempotent methods) or 'never'. JDBC connections take
		 * 'safe' unless their own section says otherwise.
		 */
		private RetransmitPolicy retransmit = RetransmitPolicy.ALWAYS;

		/**
		 * How many times one call is re-issued after recoveries before its stale error
		 * reaches the caller.
		 */
		private Integer maxRetransmissions = 3;

		/**
		 * Maximum number of calls of the recovery function in total, successful or not;
		 * -1 for no limit, 0 to disable recovery.
		 */
		private Long maxRecoveries = -1L;

		/**
		 * Maximum number of failed calls of the recovery function in a row; -1 for no
		 * limit.
		 */
		private Long maxConsecutiveFailures = -1L;

		/**
		 * Spacing of the attempts of one recovery.
		 */
		private final Backoff backoff = new Backoff();

		@Override
		public String getRecovery() {
			return this.recovery;
		}

		public void setRecovery(String recovery) {
			this.recovery = recovery;
		}

		@Override
		public String getPolicy() {
			return this.policy;
		}

		public void setPolicy(String policy) {
			this.policy = policy;
		}

		@Override
		public RetransmitPolicy getRetransmit() {
			return this.retransmit;
		}

		public void setRetransmit(RetransmitPolicy retransmit) {
			this.retransmit = retransmit;
		}

		@Override
		public Integer getMaxRetransmissions() {
			return this.maxRetransmissions;
		}

		public void setMaxRetransmissions(Integer maxRetransmissions) {
			this.maxRetransmissions = maxRetransmissions;
		}

		@Override
		public Long getMaxRecoveries() {
			return this.maxRecoveries;
		}

		public void setMaxRecoveries(Long maxRecoveries) {
			this.maxRecoveries = maxRecoveries;
		}

		@Override
		public Long getMaxConsecutiveFailures() {
			return this.maxConsecutiveFailures;
		}

		public void setMaxConsecutiveFailures(Long maxConsecutiveFailures) {
			this.maxConsecutiveFailures = maxConsecutiveFailures;
		}

		@Override
		public Backoff getBackoff() {
			return this.backoff;
		}

	}

	/**
	 * Exponential spacing of the attempts of one recovery, for every connection. The
	 * first attempt runs at once.
	 */
	public static class Backoff implements BackoffSettings {

		/**
		 * Wait before the second attempt.
		 */
		private Duration initialDelay = Duration.ofMillis(50);

		/**
		 * Factor applied to the wait after each failed attempt, at least 1.
		 */
		private Double multiplier = 2.0;

		/**
		 * Longest wait between two attempts.
		 */
		private Duration maxDelay = Duration.ofMillis(250);

		/**
		 * Total number of attempts of one recovery, the first included; by default, so
		 * many that the budget ends a recovery.
		 */
		private Integer maxAttempts = 150;

		/**
		 * Time budget of one recovery, from the stale error; when spent, the caller gets
		 * the original error.
		 */
		private Duration budget = Duration.ofSeconds(30);

		/**
		 * Random amount added to or taken from each wait, at most the initial delay.
		 */
		private Duration jitter = Duration.ZERO;

		@Override
		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		@Override
		public Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(Double multiplier) {
			this.multiplier = multiplier;
		}

		@Override
		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		@Override
		public Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		@Override
		public Duration getBudget() {
			return this.budget;
		}

		public void setBudget(Duration budget) {
			this.budget = budget;
		}

		@Override
		public Duration getJitter() {
			return this.jitter;
		}

		public void setJitter(Duration jitter) {
			this.jitter = jitter;
		}

	}

	/**
	 * One connection under {@code ha.connections.<name>}: settings that override
	 * {@code ha.defaults} (unset: the default), and, for a connection declared here
	 * rather than by an {@code @HaAware} bean, one group that says what to open.
	 */
	public static class Connection implements Settings {

		/**
		 * Name of the RecoveryFunction bean that recovers the connection, instead of
		 * ha.defaults.recovery and the one named by @HaAware.
		 */
		private String recovery;

		/**
		 * Name of a bean that spaces recovery attempts instead of 'backoff'.
		 */
		private String policy;

		/**
		 * Whether an operation that failed stale is issued again after recovery:
		 * 'always', 'safe' or 'never'; wins over @HaAware(retransmit).
		 */
		private RetransmitPolicy retransmit;

		/**
		 * How many times one call is re-issued after recoveries before its stale error
		 * reaches the caller.
		 */
		private Integer maxRetransmissions;

		/**
		 * Maximum number of calls of the recovery function in total; -1 for no limit, 0
		 * to disable recovery.
		 */
		private Long maxRecoveries;

		/**
		 * Maximum number of failed calls of the recovery function in a row; -1 for no
		 * limit.
		 */
		private Long maxConsecutiveFailures;

		/**
		 * Spacing of the attempts of one recovery; an unset key takes
		 * ha.defaults.backoff.
		 */
		private final BackoffOverride backoff = new BackoffOverride();

		/**
		 * Replay of interrupted transactions, for a data source; an unset key takes
		 * ha.jdbc.replay.
		 */
		private final ReplayOverride replay = new ReplayOverride();

		/**
		 * Endpoints (host:port) of the server of an @HaAware client, whose readiness
		 * probe its recoveries wait on instead of sleeping out their back-off.
		 */
		private List<String> endpoints = new ArrayList<>();

		/**
		 * Declares a SeekableByteChannel on a file, by path or file: URI.
		 */
		private Channel channel;

		/**
		 * Declares a read-only SeekableByteChannel on an http: or https: file.
		 */
		private Http http;

		/**
		 * Declares a SocketConnection to the first of a list of endpoints that answers.
		 */
		private Socket socket;

		/**
		 * Declares a DataSource whose connections are HA connections.
		 */
		private JdbcDataSource jdbc;

		@Override
		public String getRecovery() {
			return this.recovery;
		}

		public void setRecovery(String recovery) {
			this.recovery = recovery;
		}

		@Override
		public String getPolicy() {
			return this.policy;
		}

		public void setPolicy(String policy) {
			this.policy = policy;
		}

		@Override
		public RetransmitPolicy getRetransmit() {
			return this.retransmit;
		}

		public void setRetransmit(RetransmitPolicy retransmit) {
			this.retransmit = retransmit;
		}

		@Override
		public Integer getMaxRetransmissions() {
			return this.maxRetransmissions;
		}

		public void setMaxRetransmissions(Integer maxRetransmissions) {
			this.maxRetransmissions = maxRetransmissions;
		}

		@Override
		public Long getMaxRecoveries() {
			return this.maxRecoveries;
		}

		public void setMaxRecoveries(Long maxRecoveries) {
			this.maxRecoveries = maxRecoveries;
		}

		@Override
		public Long getMaxConsecutiveFailures() {
			return this.maxConsecutiveFailures;
		}

		public void setMaxConsecutiveFailures(Long maxConsecutiveFailures) {
			this.maxConsecutiveFailures = maxConsecutiveFailures;
		}

		@Override
		public BackoffOverride getBackoff() {
			return this.backoff;
		}

		public ReplayOverride getReplay() {
			return this.replay;
		}

		public List<String> getEndpoints() {
			return this.endpoints;
		}

		public void setEndpoints(List<String> endpoints) {
			this.endpoints = endpoints;
		}

		public Channel getChannel() {
			return this.channel;
		}

		public void setChannel(Channel channel) {
			this.channel = channel;
		}

		public Http getHttp() {
			return this.http;
		}

		public void setHttp(Http http) {
			this.http = http;
		}

		public Socket getSocket() {
			return this.socket;
		}

		public void setSocket(Socket socket) {
			this.socket = socket;
		}

		public JdbcDataSource getJdbc() {
			return this.jdbc;
		}

		public void setJdbc(JdbcDataSource jdbc) {
			this.jdbc = jdbc;
		}

	}

	/**
	 * Spacing of the attempts of one connection's recoveries; an unset key takes
	 * {@code ha.defaults.backoff}.
	 */
	public static class BackoffOverride implements BackoffSettings {

		/**
		 * Wait before the second attempt.
		 */
		private Duration initialDelay;

		/**
		 * Factor applied to the wait after each failed attempt, at least 1.
		 */
		private Double multiplier;

		/**
		 * Longest wait between two attempts.
		 */
		private Duration maxDelay;

		/**
		 * Total number of attempts of one recovery, the first included.
		 */
		private Integer maxAttempts;

		/**
		 * Time budget of one recovery, from the stale error.
		 */
		private Duration budget;

		/**
		 * Random amount added to or taken from each wait, at most the initial delay.
		 */
		private Duration jitter;

		@Override
		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		@Override
		public Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(Double multiplier) {
			this.multiplier = multiplier;
		}

		@Override
		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		@Override
		public Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		@Override
		public Duration getBudget() {
			return this.budget;
		}

		public void setBudget(Duration budget) {
			this.budget = budget;
		}

		@Override
		public Duration getJitter() {
			return this.jitter;
		}

		public void setJitter(Duration jitter) {
			this.jitter = jitter;
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
	 * A file, by path or {@code file:} URI, declared under
	 * {@code ha.connections.<name>.channel}.
	 */
	public static class Channel {

		/**
		 * File to open.
		 */
		private Path path;

		/**
		 * File to open by file: URI, instead of path.
		 */
		private URI uri;

		/**
		 * How to open the file given by path, for example read, write, create, append.
		 * Default read.
		 */
		private List<StandardOpenOption> options = new ArrayList<>();

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

	}

	/**
	 * A file served over {@code http:} or {@code https:}, read with Range requests,
	 * declared under {@code ha.connections.<name>.http}.
	 */
	public static class Http {

		/**
		 * The file's http: or https: URI.
		 */
		private URI uri;

		/**
		 * How long a request waits for its answer, and a read of its body for more bytes.
		 */
		private Duration readTimeout = Duration.ofSeconds(10);

		public URI getUri() {
			return this.uri;
		}

		public void setUri(URI uri) {
			this.uri = uri;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

	}

	/**
	 * A TCP connection to the first of a list of endpoints that answers, declared under
	 * {@code ha.connections.<name>.socket}.
	 */
	public static class Socket {

		/**
		 * Endpoints as host:port, tried in order; recovery fails over to the next when
		 * one stays down.
		 */
		private List<String> endpoints = new ArrayList<>();

		/**
		 * Name of a SocketHandshake bean run on every fresh connection (log in again,
		 * re-subscribe).
		 */
		private String handshake;

		/**
		 * How long to wait to connect to one endpoint.
		 */
		private Duration connectTimeout = Duration.ofSeconds(2);

		/**
		 * How long a read waits for data before the connection is deemed dead.
		 */
		private Duration readTimeout = Duration.ofSeconds(30);

		public List<String> getEndpoints() {
			return this.endpoints;
		}

		public void setEndpoints(List<String> endpoints) {
			this.endpoints = endpoints;
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

	}

	/**
	 * A data source on a JDBC URL whose connections are HA connections, declared under
	 * {@code ha.connections.<name>.jdbc}.
	 */
	public static class JdbcDataSource {

		/**
		 * JDBC URL.
		 */
		private String url;

		/**
		 * User to log in as.
		 */
		private String username;

		/**
		 * Password; never shown in messages, logs or endpoints.
		 */
		private String password;

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

	}

}
