package io.hacover.actuate;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.autoconfigure.HaEndpointAutoConfiguration;
import io.hacover.core.HaConnections;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the {@code ha} endpoint and its web extension are configured.
 */
class HaEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaEndpointAutoConfiguration.class));

	@Test
	void endpointAndWebExtensionAreConfiguredWhenExposedOverTheWeb() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=ha").run((context) -> {
			assertThat(context).hasSingleBean(HaEndpoint.class).hasSingleBean(HaEndpointWebExtension.class);
			assertThat(context.getBean(HaEndpoint.class).connections().connections()).isEmpty();
		});
	}

	@Test
	void endpointIsAbsentWhenNotExposed() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(HaEndpoint.class)
			.doesNotHaveBean(HaEndpointWebExtension.class));
	}

	@Test
	void endpointIsAbsentWhenItsAccessIsNone() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=ha", "management.endpoint.ha.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(HaEndpoint.class));
	}

	@Test
	void endpointBacksOffWhenTheUserDefinesOne() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=ha")
			.withUserConfiguration(UserEndpointConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(HaEndpoint.class).hasBean("userEndpoint"));
	}

	@Test
	void endpointIsAbsentWithoutActuator() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=ha")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(HaEndpoint.class));
	}

	@Test
	void endpointIsAbsentWhenHaIsOff() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=ha", "ha.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HaEndpoint.class));
	}

	@Test
	void writeRolesDefaultToHaAdminAndCanBeChanged() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=ha")
			.run((context) -> assertThat(
					context.getBean(io.hacover.autoconfigure.HaEndpointProperties.class).getRoles())
				.containsExactly("HA_ADMIN"));
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=ha", "management.endpoint.ha.roles=OPS,SRE")
			.run((context) -> assertThat(
					context.getBean(io.hacover.autoconfigure.HaEndpointProperties.class).getRoles())
				.containsExactly("OPS", "SRE"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserEndpointConfiguration {

		@Bean
		HaEndpoint userEndpoint(HaConnections connections, ListableBeanFactory beanFactory) {
			return new HaEndpoint(connections, beanFactory);
		}

	}

}
