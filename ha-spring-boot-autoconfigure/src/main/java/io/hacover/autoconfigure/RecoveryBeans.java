package io.hacover.autoconfigure;

import io.hacover.core.RecoveryFunction;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.StringUtils;

/**
 * Finds the beans a connection names (its recovery function, a socket handshake) and
 * checks at start-up that they exist and are of the right type, so that a typo fails with
 * the connection, the key and the fix rather than at the first recovery.
 */
final class RecoveryBeans {

	private final ConfigurableListableBeanFactory beanFactory;

	RecoveryBeans(ConfigurableListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Returns the recovery function of a connection, chosen from
	 * {@code ha.connections.<name>.recovery}, then the annotation, then
	 * {@code ha.defaults.recovery}; it looks the bean up by name at each recovery (H4).
	 * @param <T> the type of the resource
	 * @param connection the connection's name
	 * @param properties the bound properties
	 * @param annotated the recovery bean named by the annotation, or empty
	 * @param annotatedKey how to name the annotation in messages
	 * @return the recovery function, or {@code null} if none is named
	 * @throws HaConfigurationException if the named bean is missing or not a recovery
	 * function
	 */
	<T> RecoveryFunction<T> recovery(String connection, HaProperties properties, String annotated,
			String annotatedKey) {
		HaProperties.Connection own = properties.getConnections().get(connection);
		String key;
		String beanName;
		if (own != null && StringUtils.hasText(own.getRecovery())) {
			key = "ha.connections." + connection + ".recovery";
			beanName = own.getRecovery();
		}
		else if (StringUtils.hasText(annotated)) {
			key = annotatedKey;
			beanName = annotated;
		}
		else if (StringUtils.hasText(properties.getDefaults().getRecovery())) {
			key = "ha.defaults.recovery";
			beanName = properties.getDefaults().getRecovery();
		}
		else {
			return null;
		}
		require(connection, key, "recovery bean", beanName, RecoveryFunction.class);
		return new BeanNameRecoveryFunction<>(this.beanFactory, beanName);
	}

	/**
	 * Checks that a bean of the given name and type exists.
	 * @param connection the connection's name
	 * @param key the property or annotation attribute that names the bean
	 * @param role what the bean is for, as in "recovery bean"
	 * @param beanName the bean's name
	 * @param type the type it must have
	 * @throws HaConfigurationException if it is missing or of another type
	 */
	void require(String connection, String key, String role, String beanName, Class<?> type) {
		if (!this.beanFactory.containsBean(beanName)) {
			throw new HaConfigurationException(connection, key, role + " '" + beanName + "' not found",
					"define a bean of type " + type.getSimpleName() + " named '" + beanName + "', or fix the name at "
							+ key);
		}
		if (!this.beanFactory.isTypeMatch(beanName, type)) {
			Class<?> actual = this.beanFactory.getType(beanName);
			throw new HaConfigurationException(connection, key,
					"bean '" + beanName + "' is a " + ((actual != null) ? actual.getName() : "bean of unknown type")
							+ ", not a " + type.getSimpleName(),
					"name a bean of type " + type.getName() + " at " + key);
		}
	}

}
