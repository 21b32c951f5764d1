package io.hacover.autoconfigure;

import java.util.Set;
import java.util.TreeSet;

import io.hacover.spring.HaAware;
import io.hacover.spring.HaConfigurationException;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.StringUtils;

/**
 * Fails start-up when {@code ha.connections} names a connection that no {@link HaAware}
 * bean declares: most often a typo that would otherwise leave the real connection
 * unconfigured.
 */
final class HaConnectionNamesValidator implements SmartInitializingSingleton {

	private final ConfigurableListableBeanFactory beanFactory;

	private final HaProperties properties;

	HaConnectionNamesValidator(ConfigurableListableBeanFactory beanFactory, HaProperties properties) {
		this.beanFactory = beanFactory;
		this.properties = properties;
	}

	@Override
	public void afterSingletonsInstantiated() {
		Set<String> known = new TreeSet<>();
		for (String beanName : this.beanFactory.getBeanNamesForAnnotation(HaAware.class)) {
			HaAware annotation = this.beanFactory.findAnnotationOnBean(beanName, HaAware.class);
			known.add(StringUtils.hasText(annotation.name()) ? annotation.name() : beanName);
		}
		if (this.properties.getJdbc().isEnabled()) {
			known.addAll(
					java.util.List.of(this.beanFactory.getBeanNamesForType(javax.sql.DataSource.class, true, false)));
		}
		this.properties.getConnections().forEach((name, connection) -> {
			if (DeclaredConnections.kind(name, connection) != null) {
				known.add(name);
			}
		});
		for (String name : this.properties.getConnections().keySet()) {
			if (!known.contains(name)) {
				throw new HaConfigurationException(name, "ha.connections." + name,
						"no HA connection is named '" + name + "' (known: " + known + ")",
						"fix the name, mark the bean @HaAware, declare the connection (channel, http, socket or jdbc), "
								+ "or remove the section");
			}
		}
	}

}
