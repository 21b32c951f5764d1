package io.hacover.autoconfigure;

import io.hacover.spring.HaConfigurationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link HaConfigurationException} into one clear start-up report: the
 * connection, the key, what is wrong and the fix.
 */
class HaConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<HaConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, HaConfigurationException cause) {
		return new FailureAnalysis(HaConfigurationException.describe(cause.getConnection()) + ": " + cause.getKey()
				+ ": " + cause.getProblem(), "Fix: " + cause.getFix(), cause);
	}

}
