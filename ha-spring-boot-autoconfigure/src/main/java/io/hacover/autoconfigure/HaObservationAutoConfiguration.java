package io.hacover.autoconfigure;

import io.hacover.actuate.RecoveryObservations;
import io.hacover.core.HaConnections;
import io.hacover.core.HaListener;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the Micrometer observation of recoveries
 * ({@link RecoveryObservations}).
 * <p>
 * The observations are an {@link HaListener} bean: {@link HaAutoConfiguration} adds every
 * such bean to the {@link HaConnections} table it creates, once, when it creates it. The
 * listener depends only on the {@link ObservationRegistry}, so there is no cycle. A table
 * the application defines itself gets no listener beans: add the
 * {@link RecoveryObservations} bean to it with {@link HaConnections#addListener}.
 */
@AutoConfiguration(after = HaAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ HaConnections.class, ObservationRegistry.class })
public final class HaObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RecoveryObservations haRecoveryObservations(ObservationRegistry observationRegistry) {
		return new RecoveryObservations(observationRegistry);
	}

}
