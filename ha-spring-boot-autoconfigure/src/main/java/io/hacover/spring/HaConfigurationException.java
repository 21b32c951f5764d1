package io.hacover.spring;

/**
 * A misconfiguration of an HA connection, found at start-up: names the connection, the
 * key (a property or annotation attribute) and the fix. In a Spring Boot application, a
 * failure analyzer reports it as the one reason start-up failed.
 */
public class HaConfigurationException extends RuntimeException {

	/**
	 * The connection name given for settings that apply to every connection.
	 */
	public static final String ALL_CONNECTIONS = "*";

	private final String connection;

	private final String key;

	private final String problem;

	private final String fix;

	/**
	 * Creates a new instance.
	 * @param connection the connection's name
	 * @param key the property or annotation attribute at fault
	 * @param problem what was expected and what was found
	 * @param fix what to do
	 */
	public HaConfigurationException(String connection, String key, String problem, String fix) {
		super(describe(connection) + ": " + key + ": " + problem + "; " + fix);
		this.connection = connection;
		this.key = key;
		this.problem = problem;
		this.fix = fix;
	}

	/**
	 * Returns how a person reads the connection's name.
	 * @param connection a connection's name, or {@link #ALL_CONNECTIONS}
	 * @return {@code connection 'name'}, or {@code every connection}
	 */
	public static String describe(String connection) {
		return ALL_CONNECTIONS.equals(connection) ? "every connection" : "connection '" + connection + "'";
	}

	/**
	 * Returns the name of the connection, or {@link #ALL_CONNECTIONS}.
	 * @return the connection's name
	 */
	public String getConnection() {
		return this.connection;
	}

	/**
	 * Returns the property or annotation attribute at fault.
	 * @return the key
	 */
	public String getKey() {
		return this.key;
	}

	/**
	 * Returns what was expected and what was found.
	 * @return the problem
	 */
	public String getProblem() {
		return this.problem;
	}

	/**
	 * Returns what to do.
	 * @return the fix
	 */
	public String getFix() {
		return this.fix;
	}

}
