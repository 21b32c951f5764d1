package io.hacover.autoconfigure;

import io.hacover.actuate.HaMetrics;
import io.hacover.core.HaConnections;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the Micrometer meters of HA connections ({@link HaMetrics}).
 * <p>
 * Ordered like Spring Boot's own binders (after its metrics and composite registry
 * auto-configurations) and, like them, on when a {@link MeterRegistry} bean exists.
 * Spring Boot binds the {@link MeterBinder} bean to the registry itself, once every
 * singleton is created.
 */
@AutoConfiguration(after = HaAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean({ HaConnections.class, MeterRegistry.class })
public final class HaMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HaMetrics haMetrics(HaConnections connections) {
		return new HaMetrics(connections);
	}

}
