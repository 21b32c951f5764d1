package io.hacover.autoconfigure;

import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import io.hacover.core.RetransmitPolicy;
import io.hacover.jdbc.HaDataSource;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * With {@code ha.jdbc.enabled=true}, makes every connection of every {@link DataSource}
 * bean an HA connection named after the bean. A HikariCP pool keeps being the bean and
 * gets HA connections under it, one per physical connection
 * ({@link HikariPhysicalConnections}); any other data source is wrapped in an
 * {@link HaDataSource}, whose {@code unwrap} and {@code isWrapperFor} reach it. JDBC
 * connections re-issue only what is safe by default (H14); set
 * {@code ha.connections.<bean name>.retransmit} to change that.
 */
final class HaDataSourcePostProcessor implements BeanPostProcessor, BeanFactoryAware, Ordered {

	private static final RetransmitPolicy[] JDBC_DEFAULT = { RetransmitPolicy.SAFE };

	private static final boolean HIKARI_PRESENT = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
			HaDataSourcePostProcessor.class.getClassLoader());

	private BeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof DataSource dataSource && !(bean instanceof HaDataSource)) {
			PropertiesHaAwareSupport support = this.beanFactory.getBean(PropertiesHaAwareSupport.class);
			if (support.properties().getJdbc().isEnabled()) {
				UnaryOperator<DataSource> wrap = (physical) -> support.withReplay(new HaDataSource(
						support.connections(), physical, beanName, support.settings(beanName, JDBC_DEFAULT)), beanName);
				return (HIKARI_PRESENT && HikariPhysicalConnections.wrap(bean, wrap, support.deadPeerDetection()))
						? bean : wrap.apply(dataSource);
			}
		}
		return bean;
	}

}
