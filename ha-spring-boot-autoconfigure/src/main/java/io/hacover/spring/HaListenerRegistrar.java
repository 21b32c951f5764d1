package io.hacover.spring;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import io.hacover.core.HaConnections;
import io.hacover.core.HaListener;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Adds every {@link HaListener} bean to each {@link HaConnections} bean as soon as the
 * table is made, before any connection is attached, so that the listeners hear the
 * {@code ATTACHED} of every {@code @HaAware} bean. It works the same for a table the
 * auto-configuration makes and for one the application defines itself.
 */
public final class HaListenerRegistrar implements BeanPostProcessor {

	private final ObjectProvider<HaListener> listeners;

	private final Set<HaConnections> tables = Collections
		.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

	/**
	 * Creates a registrar.
	 * @param listeners the listener beans, in order, asked for when a table is made
	 */
	public HaListenerRegistrar(ObjectProvider<HaListener> listeners) {
		this.listeners = listeners;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof HaConnections table && this.tables.add(table)) {
			this.listeners.orderedStream().forEach(table::addListener);
		}
		return bean;
	}

}
