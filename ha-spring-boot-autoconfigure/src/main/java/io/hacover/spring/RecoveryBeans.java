package io.hacover.spring;

import io.hacover.core.RecoveryFunction;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Finds the beans a connection names (its recovery function, a socket handshake) and
 * checks at start-up that they exist and are of the right type, so that a typo fails with
 * the connection, the key and the fix rather than at the first recovery.
 */
public final class RecoveryBeans {

	private final ConfigurableListableBeanFactory beanFactory;

	/**
	 * Creates a finder of the beans of the given factory.
	 * @param beanFactory where the named beans live
	 */
	public RecoveryBeans(ConfigurableListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Returns the recovery function that looks the named bean up at each recovery (H4),
	 * after checking that the bean exists and is a {@link RecoveryFunction}.
	 * @param <T> the type of the resource
	 * @param connection the connection's name
	 * @param key the property or annotation attribute that names the bean
	 * @param beanName the name of the recovery bean
	 * @return the recovery function
	 * @throws HaConfigurationException if the named bean is missing or not a recovery
	 * function
	 */
	public <T> RecoveryFunction<T> recovery(String connection, String key, String beanName) {
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
	public void require(String connection, String key, String role, String beanName, Class<?> type) {
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
