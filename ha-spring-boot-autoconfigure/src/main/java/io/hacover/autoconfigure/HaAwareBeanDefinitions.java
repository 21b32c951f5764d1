package io.hacover.autoconfigure;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Registers, for each {@link HaAware @HaAware} bean, a prototype twin of its definition,
 * so that {@code RecoveryContext.reopen()} can make a fresh instance the way the bean was
 * first made (same factory method or constructor, same injected collaborators, same
 * post-processing). Twins are not autowire candidates and are never made HA-aware
 * themselves.
 */
final class HaAwareBeanDefinitions implements BeanDefinitionRegistryPostProcessor {

	private static final String TWIN_PREFIX = "io.hacover.reopen.";

	/**
	 * Returns the name of the twin of an HA-aware bean.
	 * @param beanName the bean's name
	 * @return the twin's name
	 */
	static String twinOf(String beanName) {
		return TWIN_PREFIX + beanName;
	}

	/**
	 * Returns whether a bean name is that of a twin.
	 * @param beanName a bean name
	 * @return {@code true} for a twin
	 */
	static boolean isTwin(String beanName) {
		return beanName.startsWith(TWIN_PREFIX);
	}

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
		for (String name : registry.getBeanDefinitionNames()) {
			BeanDefinition definition = registry.getBeanDefinition(name);
			if (!isTwin(name) && isHaAware(definition) && definition instanceof AbstractBeanDefinition original
					&& !registry.containsBeanDefinition(twinOf(name))) {
				AbstractBeanDefinition twin = original.cloneBeanDefinition();
				twin.setScope(BeanDefinition.SCOPE_PROTOTYPE);
				twin.setAutowireCandidate(false);
				twin.setPrimary(false);
				twin.setLazyInit(true);
				twin.setDestroyMethodNames();
				registry.registerBeanDefinition(twinOf(name), twin);
			}
		}
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
	}

	private static boolean isHaAware(BeanDefinition definition) {
		if (definition instanceof AnnotatedBeanDefinition annotated) {
			AnnotatedTypeMetadata factoryMethod = annotated.getFactoryMethodMetadata();
			if (factoryMethod != null) {
				return factoryMethod.isAnnotated(HaAware.class.getName());
			}
			return annotated.getMetadata().isAnnotated(HaAware.class.getName());
		}
		return false;
	}

}
