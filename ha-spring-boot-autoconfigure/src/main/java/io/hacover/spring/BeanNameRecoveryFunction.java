package io.hacover.spring;

import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;

import org.springframework.beans.factory.BeanFactory;

/**
 * A recovery function that looks up the {@link RecoveryFunction} bean of the given name
 * each time a recovery attempt starts (H4): replacing that bean in the application
 * context changes the recovery of every connection that names it. A bean missing at that
 * time fails the attempt.
 *
 * @param <T> the type of the resource
 */
public final class BeanNameRecoveryFunction<T> implements RecoveryFunction<T> {

	private final BeanFactory beanFactory;

	private final String beanName;

	/**
	 * Creates a function that looks up the named bean in the given factory.
	 * @param beanFactory where the bean lives
	 * @param beanName the name of a {@link RecoveryFunction} bean
	 */
	public BeanNameRecoveryFunction(BeanFactory beanFactory, String beanName) {
		this.beanFactory = beanFactory;
		this.beanName = beanName;
	}

	/**
	 * Returns the name of the recovery bean.
	 * @return the bean name
	 */
	public String beanName() {
		return this.beanName;
	}

	@Override
	@SuppressWarnings("unchecked")
	public T recover(RecoveryContext<T> context) throws Exception {
		return ((RecoveryFunction<T>) this.beanFactory.getBean(this.beanName, RecoveryFunction.class)).recover(context);
	}

	/**
	 * Returns the name of the recovery bean.
	 * @return the bean's name
	 */
	@Override
	public String description() {
		return this.beanName;
	}

	@Override
	public String toString() {
		return "recovery bean '" + this.beanName + "'";
	}

}
