package io.hacover.spring;

import java.util.List;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;

/**
 * What a native image needs for each {@link HaAware @HaAware} bean: it cannot define
 * classes at run time, so the HA connection is a JDK dynamic proxy of the bean's
 * interfaces, whose methods the engine issues by reflection. Ahead of time, the class of
 * a bean made by a {@code @Bean} method declared as an interface is not known; its
 * interfaces are then the declared one.
 */
class HaAwareRuntimeHints implements BeanRegistrationAotProcessor {

	@Override
	public BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		String name = registeredBean.getBeanName();
		if (registeredBean.isInnerBean() || !registeredBean.getBeanFactory().containsBeanDefinition(name)
				|| registeredBean.getBeanFactory().findAnnotationOnBean(name, HaAware.class, false) == null) {
			return null;
		}
		List<Class<?>> interfaces = HaAwareBeanPostProcessor.proxiedInterfaces(
				HaAwareBeanPostProcessor.declaredType(registeredBean.getMergedBeanDefinition()),
				registeredBean.getBeanClass());
		if (interfaces.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> {
			RuntimeHints hints = generationContext.getRuntimeHints();
			hints.proxies().registerJdkProxy(interfaces.toArray(Class<?>[]::new));
			interfaces.forEach((type) -> hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS));
		};
	}

}
