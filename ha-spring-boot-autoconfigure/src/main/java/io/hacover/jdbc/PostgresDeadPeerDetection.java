package io.hacover.jdbc;

import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

import org.springframework.util.Assert;

/**
 * The connection properties that make the PostgreSQL driver (pgjdbc) find a dead server
 * within a bounded time (H35), without capping how long a query may run: TCP keepalive
 * tuned per socket ({@link KeepAliveSocketFactory}) for a server that stopped answering
 * in the middle of a session, and a connect and a login timeout for one that does not
 * answer a new connection. No {@code socketTimeout} is set: it would cut long queries.
 * <p>
 * {@link #applyTo(String, Properties)} adds these properties to the ones the application
 * gives, leaving alone every property the application set itself, in the URL or in the
 * properties: {@code socketFactory} (with {@code socketFactoryArg}),
 * {@code tcpKeepAlive}, {@code connectTimeout} and {@code loginTimeout}. An application
 * tunes the keepalive of one data source with
 * {@code socketFactoryArg=idle=5,interval=2,count=3} in its URL. URLs of other databases
 * are left as they are.
 *
 * @param keepAliveIdle silence before the first keepalive probe
 * @param keepAliveInterval time between unanswered probes
 * @param keepAliveCount unanswered probes after which the connection is dead
 * @param connectTimeout how long the TCP connect to one host may take
 * @param loginTimeout how long opening a connection may take in all, the TCP connect, TLS
 * and authentication included
 */
public record PostgresDeadPeerDetection(Duration keepAliveIdle, Duration keepAliveInterval, int keepAliveCount,
		Duration connectTimeout, Duration loginTimeout) {

	/**
	 * How long a server may stay silent before it is declared dead, by default: the
	 * keepalive of an open connection and the TCP connect of a new one.
	 */
	public static final Duration DEFAULT_DEAD_PEER_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Unanswered keepalive probes after which a connection is dead, in the settings
	 * {@link #within(Duration)} makes.
	 */
	private static final int PROBES = 3;

	/**
	 * How long opening a connection may take in all, by default.
	 */
	public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(30);

	private static final String URL_PREFIX = "jdbc:postgresql:";

	/**
	 * Validates the settings; durations are rounded up to whole seconds, as pgjdbc and
	 * the kernel take them.
	 * @param keepAliveIdle silence before the first probe, positive
	 * @param keepAliveInterval time between probes, positive
	 * @param keepAliveCount unanswered probes that make the connection dead, at least 1
	 * @param connectTimeout time of the TCP connect, positive
	 * @param loginTimeout time of the whole connection opening, positive
	 */
	public PostgresDeadPeerDetection {
		Assert.isTrue(positive(keepAliveIdle), "'keepAliveIdle' must be positive");
		Assert.isTrue(positive(keepAliveInterval), "'keepAliveInterval' must be positive");
		Assert.isTrue(keepAliveCount > 0, "'keepAliveCount' must be positive");
		Assert.isTrue(positive(connectTimeout), "'connectTimeout' must be positive");
		Assert.isTrue(positive(loginTimeout), "'loginTimeout' must be positive");
	}

	/**
	 * Returns the defaults: a server silent for {@link #DEFAULT_DEAD_PEER_TIMEOUT} is
	 * dead (see {@link #within(Duration)}), and opening a connection may take
	 * {@link #DEFAULT_LOGIN_TIMEOUT} in all.
	 * @return the default settings
	 */
	public static PostgresDeadPeerDetection defaults() {
		return within(DEFAULT_DEAD_PEER_TIMEOUT);
	}

	/**
	 * Returns the settings that declare a server dead after the given time of silence
	 * ({@code ha.jdbc.dead-peer-timeout}): on an open connection, a first keepalive probe
	 * after {@code timeout - 3 * interval} of silence and three probes {@code interval =
	 * timeout / 5} apart (4 s and three probes 2 s apart for 10 s; whole seconds, at
	 * least one each, as the kernel takes them, and fewer probes below 4 s); for a new
	 * connection, a TCP connect timeout of {@code timeout}. Opening a connection may take
	 * the longer of {@link #DEFAULT_LOGIN_TIMEOUT} and {@code timeout} in all. A query
	 * runs as long as it needs on a server that answers the probes.
	 * @param timeout the time of silence after which a server is dead, at least a second
	 * @return the settings
	 */
	public static PostgresDeadPeerDetection within(Duration timeout) {
		Assert.isTrue(positive(timeout), "'timeout' must be positive");
		long seconds = Math.min(Integer.MAX_VALUE, wholeSeconds(timeout));
		int probes = (int) Math.max(1, Math.min(PROBES, seconds - 1));
		long interval = Math.max(1, seconds / 5);
		long idle = Math.max(1, seconds - probes * interval);
		return new PostgresDeadPeerDetection(Duration.ofSeconds(idle), Duration.ofSeconds(interval), probes,
				Duration.ofSeconds(seconds),
				(timeout.compareTo(DEFAULT_LOGIN_TIMEOUT) > 0) ? Duration.ofSeconds(seconds) : DEFAULT_LOGIN_TIMEOUT);
	}

	/**
	 * Adds the {@linkplain #defaults() default} dead-peer detection to the connection
	 * properties of a PostgreSQL URL: shorthand for
	 * {@code defaults().applyTo(url, given)}.
	 * @param url the JDBC URL
	 * @param given the application's connection properties, or {@code null}
	 * @return a new set of properties; {@code given} is not changed
	 */
	public static Properties withDeadPeerDetection(String url, Properties given) {
		return defaults().applyTo(url, given);
	}

	/**
	 * Returns a copy with other keepalive settings.
	 * @param idle silence before the first probe
	 * @param interval time between unanswered probes
	 * @param count unanswered probes after which the connection is dead
	 * @return the new settings
	 */
	public PostgresDeadPeerDetection withKeepAlive(Duration idle, Duration interval, int count) {
		return new PostgresDeadPeerDetection(idle, interval, count, this.connectTimeout, this.loginTimeout);
	}

	/**
	 * Returns a copy with other connection timeouts.
	 * @param connect how long the TCP connect to one host may take
	 * @param login how long opening a connection may take in all
	 * @return the new settings
	 */
	public PostgresDeadPeerDetection withTimeouts(Duration connect, Duration login) {
		return new PostgresDeadPeerDetection(this.keepAliveIdle, this.keepAliveInterval, this.keepAliveCount, connect,
				login);
	}

	/**
	 * Returns the connection properties to open a connection to the given URL with: the
	 * string properties of {@code given}, plus those of dead-peer detection that neither
	 * {@code given} nor the URL's query sets. For a URL that is not
	 * {@code jdbc:postgresql:}, only the copy of {@code given}.
	 * @param url the JDBC URL
	 * @param given the application's connection properties, or {@code null}
	 * @return a new set of properties; {@code given} is not changed
	 */
	public Properties applyTo(String url, Properties given) {
		Properties properties = new Properties();
		if (given != null) {
			for (String name : given.stringPropertyNames()) {
				properties.setProperty(name, given.getProperty(name));
			}
		}
		if (url == null || !url.regionMatches(true, 0, URL_PREFIX, 0, URL_PREFIX.length())) {
			return properties;
		}
		Set<String> set = new HashSet<>(properties.stringPropertyNames());
		set.addAll(queryNames(url));
		if (!set.contains("socketFactory")) {
			properties.setProperty("socketFactory", KeepAliveSocketFactory.class.getName());
			if (!set.contains("socketFactoryArg")) {
				properties.setProperty("socketFactoryArg", KeepAliveSocketFactory.argument(this.keepAliveIdle,
						this.keepAliveInterval, this.keepAliveCount));
			}
		}
		// pgjdbc turns keepalive off after the connect unless told otherwise.
		addIfAbsent(properties, set, "tcpKeepAlive", "true");
		addIfAbsent(properties, set, "connectTimeout", seconds(this.connectTimeout));
		addIfAbsent(properties, set, "loginTimeout", seconds(this.loginTimeout));
		return properties;
	}

	private static void addIfAbsent(Properties properties, Set<String> set, String name, String value) {
		if (!set.contains(name)) {
			properties.setProperty(name, value);
		}
	}

	/**
	 * Returns the names of the properties a JDBC URL sets in its query, as pgjdbc reads
	 * them ({@code ?name=value&name=value}).
	 */
	private static Set<String> queryNames(String url) {
		Set<String> names = new HashSet<>();
		int query = url.indexOf('?');
		if (query < 0) {
			return names;
		}
		for (String pair : url.substring(query + 1).split("&")) {
			int equals = pair.indexOf('=');
			String name = ((equals < 0) ? pair : pair.substring(0, equals)).trim();
			if (!name.isEmpty()) {
				names.add(name);
			}
		}
		return names;
	}

	private static String seconds(Duration duration) {
		return Long.toString(Math.min(Integer.MAX_VALUE, wholeSeconds(duration)));
	}

	private static long wholeSeconds(Duration duration) {
		return duration.getSeconds() + ((duration.getNano() > 0) ? 1 : 0);
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

}
