package io.hacover.test;

import io.hacover.core.RecoveryFunction;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Replaces a recovery bean of a running context, and puts the same instance back, as an
 * operator would replace it (H4). Taking a bean out of the context runs its destroy
 * methods, if it has any; a recovery function rarely has one.
 */
final class RecoveryBeanSwap {

	private final DefaultListableBeanFactory beanFactory;

	private final String name;

	private final Object original;

	private RecoveryBeanSwap(DefaultListableBeanFactory beanFactory, String name) {
		this.beanFactory = beanFactory;
		this.name = name;
		this.original = beanFactory.getBean(name);
	}

	/**
	 * Prepares to replace the named bean.
	 * @param context the running context
	 * @param name the bean's name
	 * @return the swap, or {@code null} when the context cannot replace beans
	 */
	static RecoveryBeanSwap of(ApplicationContext context, String name) {
		if (context instanceof ConfigurableApplicationContext configurable
				&& configurable.getBeanFactory() instanceof DefaultListableBeanFactory beanFactory) {
			return new RecoveryBeanSwap(beanFactory, name);
		}
		return null;
	}

	@SuppressWarnings("unchecked")
	<T> RecoveryFunction<T> original() {
		return (RecoveryFunction<T>) this.original;
	}

	void replace(Object bean) {
		if (this.beanFactory.containsBeanDefinition(this.name)) {
			this.beanFactory.removeBeanDefinition(this.name);
		}
		else {
			this.beanFactory.destroySingleton(this.name);
		}
		this.beanFactory.registerSingleton(this.name, bean);
	}

	void restore() {
		replace(this.original);
	}

}
