package io.hacover.autoconfigure;

import io.hacover.actuate.HaHealthIndicator;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HaHealthContributorAutoConfiguration}.
 */
class HaHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HaAutoConfiguration.class, HaHealthContributorAutoConfiguration.class,
				HealthContributorRegistryAutoConfiguration.class));

	@Test
	void configuresHaHealthIndicatorByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(HaHealthIndicator.class);
			assertThat(context).hasBean("haHealthIndicator");
		});
	}

	@Test
	void contributesHealthUnderTheNameHa() {
		this.contextRunner
			.run((context) -> assertThat(context.getBean(HealthContributorRegistry.class).getContributor("ha"))
				.isSameAs(context.getBean(HaHealthIndicator.class)));
	}

	@Test
	void backsOffWhenTheUserDefinesHaHealthIndicator() {
		HealthIndicator own = () -> Health.up().build();
		this.contextRunner.withBean("haHealthIndicator", HealthIndicator.class, () -> own).run((context) -> {
			assertThat(context).doesNotHaveBean(HaHealthIndicator.class);
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("ha")).isSameAs(own);
		});
	}

	@Test
	void offWhenManagementHealthHaEnabledIsFalse() {
		this.contextRunner.withPropertyValues("management.health.ha.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HaHealthIndicator.class));
	}

	@Test
	void offWhenHealthIndicatorsAreDisabledByDefault() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HaHealthIndicator.class));
	}

	@Test
	void absentWhenHaEnabledIsFalse() {
		this.contextRunner.withPropertyValues("ha.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HaHealthIndicator.class));
	}

	@Test
	void absentWhenSpringBootHealthIsMissing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(AbstractHealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(HaHealthIndicator.class));
	}

}
