package io.hacover.core;

import java.time.Duration;

/**
 * Settings with back-off delays of a few milliseconds, so that failing recoveries end
 * quickly.
 */
final class FastSettings {

	static final int MAX_ATTEMPTS = 5;

	static final RecoveryPolicy POLICY = RecoveryPolicy.exponential(Duration.ofMillis(10), 2.0, Duration.ofMillis(50),
			MAX_ATTEMPTS, Duration.ofSeconds(5), Duration.ZERO);

	private FastSettings() {
	}

	static ConnectionSettings settings() {
		return ConnectionSettings.defaults().withPolicy(POLICY);
	}

	static ConnectionSettings withAttempts(int maxAttempts) {
		return settings().withPolicy(policy(maxAttempts));
	}

	static RecoveryPolicy policy(int maxAttempts) {
		return RecoveryPolicy.exponential(Duration.ofMillis(1), 1.0, Duration.ofMillis(1), maxAttempts,
				Duration.ofSeconds(5), Duration.ZERO);
	}

	static HaConnections table() {
		return HaConnections.create(settings(), StaleConnectionClassifier.defaults());
	}

}
