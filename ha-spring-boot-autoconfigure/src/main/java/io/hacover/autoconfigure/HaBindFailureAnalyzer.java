package io.hacover.autoconfigure;

import java.util.stream.Collectors;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a property under {@code ha.*} that cannot be bound (an unknown key, or a value
 * of the wrong kind) with the connection it belongs to and the fix. Runs before Spring
 * Boot's generic binding analyzers; other binding failures are left to them.
 */
class HaBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	private static final String CONNECTIONS = "ha.connections.";

	private static final String KEYS = "recovery, policy, retransmit, max-retransmissions, max-recoveries, "
			+ "max-consecutive-failures, backoff.initial-delay, backoff.multiplier, backoff.max-delay, "
			+ "backoff.max-attempts, backoff.budget, backoff.jitter";

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
			return new FailureAnalysis("HA connection '" + connectionOf(first) + "': unknown key " + keys,
					"Fix: remove or rename it; an HA connection's keys are " + KEYS + " (under ha.defaults.* or "
							+ "ha.connections.<name>.*)",
					cause);
		}
		ConfigurationProperty property = cause.getProperty();
		String key = (property != null) ? property.getName().toString() : cause.getName().toString();
		String value = (property != null) ? " value '" + property.getValue() + "'" : "";
		Throwable root = cause;
		while (root.getCause() != null) {
			root = root.getCause();
		}
		return new FailureAnalysis(
				"HA connection '" + connectionOf(key) + "': " + key + ": cannot bind" + value + ": "
						+ root.getMessage(),
				"Fix: give " + key + " a valid value (see the key's description in your IDE or the README)", cause);
	}

	private static String connectionOf(String key) {
		if (key.startsWith(CONNECTIONS)) {
			String rest = key.substring(CONNECTIONS.length());
			int dot = rest.indexOf('.');
			return (dot > 0) ? rest.substring(0, dot) : rest;
		}
		return "*";
	}

}
