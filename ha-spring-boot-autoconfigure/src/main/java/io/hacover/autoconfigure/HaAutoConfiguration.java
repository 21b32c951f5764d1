package io.hacover.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.hacover.core.HaConnections;
import io.hacover.core.HaListener;
import io.hacover.core.StaleConnectionClassifier;
import io.hacover.io.HaChannels;
import io.hacover.io.HaSockets;
import io.hacover.spring.HaApplicationEventPublisher;
import io.hacover.spring.HaAware;
import io.hacover.spring.HaAwareBeanPostProcessor;
import io.hacover.spring.HaConfigurationException;
import io.hacover.spring.HaListenerRegistrar;
import io.hacover.spring.RecoveryBeans;
import io.hacover.spring.RecoveryPolicyResolver;
import io.hacover.spring.SpringRetryListenerBridge;
import io.hacover.spring.SpringRetryPolicyResolver;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.retry.RetryListener;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of HA connections: the {@link HaConnections} table, configured from
 * {@link HaProperties}, and the post-processing that turns {@link HaAware @HaAware} beans
 * into HA connections.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@Import(DeclaredConnections.class)
@ConditionalOnBooleanProperty(name = "ha.enabled", matchIfMissing = true)
@EnableConfigurationProperties(HaProperties.class)
public final class HaAutoConfiguration {

	@Bean
	static HaAwareBeanPostProcessor haAwareBeanPostProcessor() {
		return new HaAwareBeanPostProcessor();
	}

	@Bean
	ConnectionSettingsResolver haConnectionSettingsResolver(HaProperties properties,
			ConfigurableListableBeanFactory beanFactory, ObjectProvider<RecoveryPolicyResolver> policyResolvers) {
		List<RecoveryPolicyResolver> resolvers = new ArrayList<>(policyResolvers.orderedStream().toList());
		resolvers.add(RecoveryPolicyResolver.standard());
		return new ConnectionSettingsResolver(properties, resolvers,
				(name) -> beanFactory.containsBean(name) ? beanFactory.getBean(name) : null);
	}

	@Bean
	static HaListenerRegistrar haListenerRegistrar(ObjectProvider<HaListener> listeners) {
		return new HaListenerRegistrar(listeners);
	}

	@Bean
	@ConditionalOnMissingBean
	HaConnections haConnections(HaProperties properties, ConnectionSettingsResolver settings,
			ObjectProvider<StaleConnectionClassifier> classifiers) {
		return HaConnections.create(settings.defaults(), classifier(properties, classifiers),
				probeInterval(properties.getProbe().getInterval()));
	}

	@Bean
	@ConditionalOnMissingBean
	HaApplicationEventPublisher haApplicationEventPublisher(ApplicationEventPublisher publisher,
			ObjectProvider<HaConnections> connections) {
		return new HaApplicationEventPublisher(publisher, connections::getObject);
	}

	@Bean
	@ConditionalOnMissingBean
	HaChannels haChannels(HaConnections connections) {
		return new HaChannels(connections);
	}

	@Bean
	@ConditionalOnMissingBean
	HaSockets haSockets(HaConnections connections) {
		return new HaSockets(connections);
	}

	@Bean(DeclaredConnections.FACTORY_BEAN_NAME)
	DeclaredConnectionFactory haDeclaredConnectionFactory(PropertiesHaAwareSupport support,
			ConfigurableListableBeanFactory beanFactory, HaChannels channels, HaSockets sockets) {
		return new DeclaredConnectionFactory(support, beanFactory, channels, sockets);
	}

	@Bean
	PropertiesHaAwareSupport haAwareSupport(HaConnections connections, HaProperties properties,
			ConnectionSettingsResolver settings, ConfigurableListableBeanFactory beanFactory) {
		return new PropertiesHaAwareSupport(connections, properties, settings, new RecoveryBeans(beanFactory));
	}

	@Bean
	HaConnectionNamesValidator haConnectionNamesValidator(ConfigurableListableBeanFactory beanFactory,
			HaProperties properties) {
		return new HaConnectionNamesValidator(beanFactory, properties);
	}

	private static StaleConnectionClassifier classifier(HaProperties properties,
			ObjectProvider<StaleConnectionClassifier> classifiers) {
		List<Class<? extends Throwable>> types = new ArrayList<>(StaleConnectionClassifier.DEFAULT_STALE_TYPES);
		List<String> extra = properties.getStaleExceptions();
		for (int i = 0; i < extra.size(); i++) {
			types.add(throwableType(extra.get(i), "ha.stale-exceptions[" + i + "]"));
		}
		StaleConnectionClassifier classifier = StaleConnectionClassifier.ofTypes(types);
		for (StaleConnectionClassifier own : classifiers.orderedStream().toList()) {
			classifier = classifier.or(own);
		}
		return classifier;
	}

	private static Duration probeInterval(Duration interval) {
		if (interval == null || interval.isNegative() || interval.compareTo(Duration.ofSeconds(10)) > 0) {
			throw new HaConfigurationException(HaConfigurationException.ALL_CONNECTIONS, "ha.probe.interval",
					"is " + ((interval != null) ? DurationStyle.SIMPLE.print(interval) : "empty")
							+ ", not a duration from 0 to 10s",
					"give the time between two probes of a server, such as 10ms, or 0 to sleep out the back-off");
		}
		return interval;
	}

	@SuppressWarnings("unchecked")
	private static Class<? extends Throwable> throwableType(String name, String key) {
		Class<?> type;
		try {
			type = ClassUtils.forName(name.trim(), HaAutoConfiguration.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			throw new HaConfigurationException(HaConfigurationException.ALL_CONNECTIONS, key,
					"class '" + name + "' not found",
					"give the fully qualified name of an exception class on the class path");
		}
		if (!Throwable.class.isAssignableFrom(type)) {
			throw new HaConfigurationException(HaConfigurationException.ALL_CONNECTIONS, key,
					"class '" + name + "' is not an exception",
					"give the fully qualified name of a Throwable subclass");
		}
		return (Class<? extends Throwable>) type;
	}

	/**
	 * The optional spring-retry bridge: spring-retry policies as recovery policies, and
	 * spring-retry listeners told of recovery attempts.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.retry.support.RetryTemplate")
	static class SpringRetryConfiguration {

		@Bean
		SpringRetryPolicyResolver haSpringRetryPolicyResolver() {
			return new SpringRetryPolicyResolver();
		}

		@Bean
		SpringRetryListenerBridge haSpringRetryListenerBridge(ObjectProvider<RetryListener> listeners) {
			return new SpringRetryListenerBridge(listeners);
		}

	}

}
