package io.hacover.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.hacover.core.RecoveryFunction;
import io.hacover.core.RetransmitPolicy;

/**
 * Makes a bean HA-aware: on a {@code @Bean} method or a {@code @Component} class, the
 * bean is replaced by its HA connection, a proxy implementing the bean's interfaces that
 * recovers the bean when an operation fails stale.
 * <p>
 * The recovery function is the {@link RecoveryFunction} bean named by
 * {@link #recovery()}, looked up by name each time a recovery starts, so that replacing
 * that bean changes the recovery of every connection that names it (H4). Without one,
 * recovery makes a fresh instance of the bean the way it was first made
 * ({@code RecoveryContext.reopen()}). Settings under {@code ha.connections.<name>.*}
 * override those given here.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface HaAware {

	/**
	 * Name of the {@link RecoveryFunction} bean that recovers the connection; empty to
	 * make a fresh instance of the bean instead.
	 * @return the recovery bean's name
	 */
	String recovery() default "";

	/**
	 * Name of the connection, as used under {@code ha.connections.<name>} and in the
	 * actuator endpoint; empty for the bean's name.
	 * @return the connection's name
	 */
	String name() default "";

	/**
	 * Whether an operation that failed stale is issued again after recovery (H14); empty
	 * for the configured default ({@code ha.defaults.retransmit}, itself {@code ALWAYS}
	 * by default).
	 * @return at most one retransmit policy
	 */
	RetransmitPolicy[] retransmit() default {};

}
