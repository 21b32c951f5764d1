package io.hacover.autoconfigure;

import io.hacover.actuate.HaHealthIndicator;
import io.hacover.core.HaConnections;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code ha} health contributor ({@link HaHealthIndicator}),
 * when Spring Boot's health support is on the class path and
 * {@code management.health.ha.enabled} is not {@code false}.
 */
@AutoConfiguration(after = HaAutoConfiguration.class)
@ConditionalOnClass({ AbstractHealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(HaConnections.class)
@ConditionalOnEnabledHealthIndicator("ha")
public final class HaHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "haHealthIndicator")
	HaHealthIndicator haHealthIndicator(HaConnections connections) {
		return new HaHealthIndicator(connections);
	}

}
