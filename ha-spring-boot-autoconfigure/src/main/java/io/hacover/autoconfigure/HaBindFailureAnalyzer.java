package io.hacover.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.hacover.spring.HaConfigurationException;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionFailedException;

/**
 * Reports a property under {@code ha.*} that cannot be bound (an unknown key, or a value
 * of the wrong kind) with the connection it belongs to and the fix. Runs before Spring
 * Boot's generic binding analyzers; other binding failures are left to them.
 */
class HaBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	private static final String CONNECTIONS = "ha.connections.";

	private static final String KEYS = "recovery, policy, retransmit, max-retransmissions, max-recoveries, "
			+ "max-consecutive-failures, backoff.initial-delay, backoff.multiplier, backoff.max-delay, "
			+ "backoff.max-attempts, backoff.budget, backoff.jitter, replay.mode, replay.max-statements, "
			+ "replay.max-bytes, endpoints; and, for a connection declared there, one group of channel, http, socket or jdbc";

	private static final Map<String, String> GROUP_KEYS = Map.of("channel", "path, uri, options", "http",
			"uri, read-timeout", "socket", "endpoints, handshake, connect-timeout, read-timeout", "jdbc",
			"url, username, password");

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		if (!cause.getName().toString().startsWith("ha")) {
			return null;
		}
		UnboundConfigurationPropertiesException unbound = findCause(cause,
				UnboundConfigurationPropertiesException.class);
		if (unbound != null) {
			String keys = unbound.getUnboundProperties()
				.stream()
				.map(ConfigurationProperty::getName)
				.map(Object::toString)
				.sorted()
				.collect(Collectors.joining(", "));
			String first = unbound.getUnboundProperties().iterator().next().getName().toString();
			String group = groupOf(first);
			String fix = (group != null)
					? "Fix: remove or rename it, or move it to the group of its kind; the keys of a '" + group
							+ "' declaration are " + GROUP_KEYS.get(group)
					: "Fix: remove or rename it; an HA connection's keys are " + KEYS + " (under ha.defaults.* or "
							+ "ha.connections.<name>.*)";
			return new FailureAnalysis(HaConfigurationException.describe(connectionOf(first)) + ": unknown key " + keys,
					fix, cause);
		}
		ConfigurationProperty property = cause.getProperty();
		String key = (property != null) ? property.getName().toString() : cause.getName().toString();
		String value = (property != null) ? " value '" + property.getValue() + "'" : "";
		Throwable root = cause;
		while (root.getCause() != null) {
			root = root.getCause();
		}
		return new FailureAnalysis(
				HaConfigurationException.describe(connectionOf(key)) + ": " + key + ": cannot bind" + value + ": "
						+ root.getMessage(),
				"Fix: give " + key + " " + expected(cause) + " (see the key's description in your IDE or the README)",
				cause);
	}

	private String expected(BindException cause) {
		ConversionFailedException conversion = findCause(cause, ConversionFailedException.class);
		Class<?> target = (conversion != null) ? conversion.getTargetType().getType() : null;
		if (target != null && target.isEnum()) {
			return "one of " + Arrays.stream(target.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT))
				.collect(Collectors.joining(", "));
		}
		return "a valid value";
	}

	/**
	 * Returns the declaration group that a key under a connection is in, if any.
	 */
	private static String groupOf(String key) {
		if (key.startsWith(CONNECTIONS)) {
			String[] parts = key.substring(CONNECTIONS.length()).split("\\.");
			if (parts.length > 2 && GROUP_KEYS.containsKey(parts[1])) {
				return parts[1];
			}
		}
		return null;
	}

	private static String connectionOf(String key) {
		if (key.startsWith(CONNECTIONS)) {
			String rest = key.substring(CONNECTIONS.length());
			int dot = rest.indexOf('.');
			return (dot > 0) ? rest.substring(0, dot) : rest;
		}
		return HaConfigurationException.ALL_CONNECTIONS;
	}

}
