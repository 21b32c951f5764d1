package io.hacover.autoconfigure;

import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import io.hacover.core.RetransmitPolicy;
import io.hacover.jdbc.HaDataSource;
import io.hacover.jdbc.PostgresDeadPeerDetection;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;

/**
 * Makes every connection of every {@link DataSource} bean an HA connection named after
 * the bean ({@code ha.jdbc.enabled}). A pool that a {@link PhysicalConnections} knows
 * (HikariCP) keeps being the bean and gets HA connections under it, one per physical
 * connection; any other data source is wrapped in an {@link HaDataSource}, whose
 * {@code unwrap} and {@code isWrapperFor} reach it. JDBC connections re-issue only what
 * is safe by default (H14); set {@code ha.connections.<bean name>.retransmit} to change
 * that.
 */
final class HaDataSourcePostProcessor implements BeanPostProcessor, Ordered {

	private static final RetransmitPolicy[] JDBC_DEFAULT = { RetransmitPolicy.SAFE };

	private final ObjectProvider<PropertiesHaAwareSupport> support;

	private final ObjectProvider<PhysicalConnections> pools;

	HaDataSourcePostProcessor(ObjectProvider<PropertiesHaAwareSupport> support,
			ObjectProvider<PhysicalConnections> pools) {
		this.support = support;
		this.pools = pools;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (!(bean instanceof DataSource dataSource) || bean instanceof HaDataSource) {
			return bean;
		}
		PropertiesHaAwareSupport support = this.support.getObject();
		UnaryOperator<DataSource> wrap = (physical) -> support.withReplay(
				new HaDataSource(support.connections(), physical, beanName, support.settings(beanName, JDBC_DEFAULT)),
				beanName);
		PostgresDeadPeerDetection detection = support.deadPeerDetection();
		for (PhysicalConnections pool : this.pools.orderedStream().toList()) {
			if (pool.placeUnder(bean, wrap, detection)) {
				return bean;
			}
		}
		return wrap.apply(dataSource);
	}

}
