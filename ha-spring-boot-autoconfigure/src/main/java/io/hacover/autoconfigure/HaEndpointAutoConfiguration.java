package io.hacover.autoconfigure;

import io.hacover.actuate.HaEndpoint;
import io.hacover.actuate.HaEndpointWebExtension;
import io.hacover.core.HaConnections;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link HaEndpoint} and its web extension.
 */
@AutoConfiguration(after = HaAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(HaConnections.class)
@ConditionalOnAvailableEndpoint(HaEndpoint.class)
@EnableConfigurationProperties(HaEndpointProperties.class)
public final class HaEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HaEndpoint haEndpoint(HaConnections connections, ListableBeanFactory beanFactory) {
		return new HaEndpoint(connections, beanFactory);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(HaEndpoint.class)
	@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
	HaEndpointWebExtension haEndpointWebExtension(HaEndpoint endpoint, HaEndpointProperties properties) {
		return new HaEndpointWebExtension(endpoint, properties.getRoles());
	}

}
