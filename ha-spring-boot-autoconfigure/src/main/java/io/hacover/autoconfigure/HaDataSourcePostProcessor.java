package io.hacover.autoconfigure;

import javax.sql.DataSource;

import io.hacover.core.RetransmitPolicy;
import io.hacover.jdbc.HaDataSource;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;

/**
 * With {@code ha.jdbc.enabled=true}, wraps every {@link DataSource} bean in an
 * {@link HaDataSource}, so that every connection the application gets is an HA connection
 * named after the bean. JDBC connections re-issue only what is safe by default (H14); set
 * {@code ha.connections.<bean name>.retransmit} to change that. {@code unwrap} and
 * {@code isWrapperFor} reach the wrapped data source, so features such as HikariCP's
 * MXBean keep working.
 */
final class HaDataSourcePostProcessor implements BeanPostProcessor, BeanFactoryAware, Ordered {

	private static final RetransmitPolicy[] JDBC_DEFAULT = { RetransmitPolicy.SAFE };

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
			HaAwareSupport support = this.beanFactory.getBean(HaAwareSupport.class);
			if (support.properties().getJdbc().isEnabled()) {
				return new HaDataSource(support.connections(), dataSource, beanName,
						support.settings().resolve(beanName, JDBC_DEFAULT));
			}
		}
		return bean;
	}

}
