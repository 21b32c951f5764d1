package io.hacover.spring;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.hacover.core.Attachment;
import io.hacover.core.HaConnections;
import io.hacover.core.Opener;
import io.hacover.core.RecoveryFunction;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Replaces each {@link HaAware @HaAware} bean by its HA connection, after every other
 * post-processor has run, with the table, settings and recovery given by the
 * {@link HaAwareSupport} bean. Checks the connection's configuration on the way: an
 * unknown or mistyped recovery bean, a bean with no interface to proxy, or a bad setting
 * fails start-up with an {@link HaConfigurationException}.
 * <p>
 * When the context closes, Spring destroys the bean it made, not its HA connection; so
 * the HA connection is closed first (H7), which closes the resource in use, the one a
 * recovery made included.
 */
public final class HaAwareBeanPostProcessor implements DestructionAwareBeanPostProcessor, BeanFactoryAware, Ordered {

	private static final String TWIN_PREFIX = "io.hacover.reopen.";

	private ConfigurableListableBeanFactory beanFactory;

	private volatile DefaultListableBeanFactory twins;

	private volatile HaAwareSupport support;

	private final Map<String, Object> connectionsByBean = new ConcurrentHashMap<>();

	private final Set<Object> madeBeans = Collections
		.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		Assert.isInstanceOf(ConfigurableListableBeanFactory.class, beanFactory);
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (beanName.startsWith(TWIN_PREFIX) || !this.beanFactory.containsBeanDefinition(beanName)) {
			return bean;
		}
		HaAware annotation = this.beanFactory.findAnnotationOnBean(beanName, HaAware.class);
		if (annotation == null) {
			return bean;
		}
		return attach(bean, beanName, annotation);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Object attach(Object bean, String beanName, HaAware annotation) {
		HaAwareSupport support = support();
		String connection = StringUtils.hasText(annotation.name()) ? annotation.name() : beanName;
		List<Class<?>> interfaces = interfacesOf(bean, beanName, connection);
		Class type = interfaces.get(0);
		Attachment attachment = Attachment.of(type, bean, opener(beanName))
			.name(connection)
			.settings(support.settings(connection, annotation.retransmit()))
			.endpoints(support.endpoints(connection))
			.alsoImplementing(interfaces.toArray(Class<?>[]::new));
		RecoveryFunction<?> recovery = support.recovery(connection, annotation.recovery(),
				"@HaAware(recovery) on bean '" + beanName + "'");
		if (recovery != null) {
			attachment.recovery(recovery);
		}
		if (support.connections().find(connection).isPresent()) {
			throw new HaConfigurationException(connection, "@HaAware on bean '" + beanName + "'",
					"another bean already uses the connection name '" + connection + "'",
					"give each @HaAware bean its own name with @HaAware(name = ...)");
		}
		// Making the bean is the "open" of an open-style operation (H6): if the attach
		// fails, the bean is closed.
		Object connectionProxy;
		try {
			connectionProxy = support.connections().open(attachment);
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new BeanCreationException(beanName, "could not make the bean HA-aware", ex);
		}
		this.connectionsByBean.put(beanName, connectionProxy);
		this.madeBeans.add(bean);
		return connectionProxy;
	}

	@Override
	public boolean requiresDestruction(Object bean) {
		return this.madeBeans.contains(bean);
	}

	@Override
	public void postProcessBeforeDestruction(Object bean, String beanName) throws BeansException {
		this.madeBeans.remove(bean);
		Object connection = this.connectionsByBean.remove(beanName);
		if (connection != null) {
			try {
				support().connections().close(connection);
			}
			catch (IllegalStateException ex) {
				// The application closed it already.
			}
		}
	}

	/**
	 * Returns how to make a fresh instance of the bean the way it was first made: a
	 * prototype twin of its definition (same factory method or constructor, same
	 * collaborators, same post-processing), kept in a child bean factory so that the
	 * context's lookups by type never see it.
	 */
	private Opener<Object> opener(String beanName) {
		RootBeanDefinition twin = new RootBeanDefinition(
				(RootBeanDefinition) this.beanFactory.getMergedBeanDefinition(beanName));
		twin.setScope(BeanDefinition.SCOPE_PROTOTYPE);
		String twinName = TWIN_PREFIX + beanName;
		DefaultListableBeanFactory twins = twins();
		twins.registerBeanDefinition(twinName, twin);
		return () -> twins.getBean(twinName);
	}

	private DefaultListableBeanFactory twins() {
		DefaultListableBeanFactory twins = this.twins;
		if (twins == null) {
			twins = new DefaultListableBeanFactory(this.beanFactory);
			twins.copyConfigurationFrom(this.beanFactory);
			twins.addEmbeddedValueResolver(this.beanFactory::resolveEmbeddedValue);
			this.twins = twins;
		}
		return twins;
	}

	private List<Class<?>> interfacesOf(Object bean, String beanName, String connection) {
		List<Class<?>> interfaces = proxiedInterfaces(declaredType(this.beanFactory.getMergedBeanDefinition(beanName)),
				bean.getClass());
		if (interfaces.isEmpty()) {
			throw new HaConfigurationException(connection, "@HaAware on bean '" + beanName + "'",
					"its type " + bean.getClass().getName() + " implements no interface, so there is nothing to proxy",
					"declare the bean (or the @Bean method's return type) as an interface that the class implements, "
							+ "and inject it by that interface");
		}
		return interfaces;
	}

	/**
	 * Returns the interfaces that the HA connection of an {@code @HaAware} bean
	 * implements, in order: its declared type, if an interface, then those of its class.
	 * @param declared the type the bean is declared as, or {@code null}
	 * @param beanClass the class of the bean
	 * @return the interfaces, maybe none
	 */
	static List<Class<?>> proxiedInterfaces(Class<?> declared, Class<?> beanClass) {
		List<Class<?>> interfaces = new ArrayList<>();
		if (declared != null && declared.isInterface()) {
			interfaces.add(declared);
		}
		for (Class<?> candidate : ClassUtils.getAllInterfacesForClassAsSet(beanClass)) {
			if (!interfaces.contains(candidate) && !isInfrastructure(candidate)) {
				interfaces.add(candidate);
			}
		}
		return interfaces;
	}

	/**
	 * Returns the type a bean is declared as: its factory method's return type, or, for a
	 * definition written out ahead of time, its target type.
	 */
	static Class<?> declaredType(BeanDefinition definition) {
		if (definition instanceof RootBeanDefinition root) {
			Method factoryMethod = root.getResolvedFactoryMethod();
			if (factoryMethod != null) {
				return factoryMethod.getReturnType();
			}
			if (root.getFactoryMethodName() != null) {
				return root.getTargetType();
			}
		}
		return null;
	}

	private static boolean isInfrastructure(Class<?> type) {
		String name = type.getName();
		return name.startsWith("org.springframework.") || type == java.io.Serializable.class || type == Cloneable.class;
	}

	private HaAwareSupport support() {
		HaAwareSupport current = this.support;
		if (current == null) {
			current = this.beanFactory.getBean(HaAwareSupport.class);
			this.support = current;
		}
		return current;
	}

}
