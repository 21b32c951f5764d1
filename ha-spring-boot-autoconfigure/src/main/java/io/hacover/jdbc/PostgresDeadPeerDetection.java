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
	 * How long the TCP connect to one host may take, by default (pgjdbc's own default).
	 */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

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
	 * Returns the defaults: keepalive after {@link KeepAliveSocketFactory#DEFAULT_IDLE}
	 * of silence, {@link KeepAliveSocketFactory#DEFAULT_COUNT} probes
	 * {@link KeepAliveSocketFactory#DEFAULT_INTERVAL} apart (a dead server is found after
	 * about a minute of silence), {@link #DEFAULT_CONNECT_TIMEOUT} and
	 * {@link #DEFAULT_LOGIN_TIMEOUT}.
	 * @return the default settings
	 */
	public static PostgresDeadPeerDetection defaults() {
		return new PostgresDeadPeerDetection(KeepAliveSocketFactory.DEFAULT_IDLE,
				KeepAliveSocketFactory.DEFAULT_INTERVAL, KeepAliveSocketFactory.DEFAULT_COUNT, DEFAULT_CONNECT_TIMEOUT,
				DEFAULT_LOGIN_TIMEOUT);
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
		long seconds = duration.getSeconds() + ((duration.getNano() > 0) ? 1 : 0);
		return Long.toString(Math.min(Integer.MAX_VALUE, seconds));
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

}
