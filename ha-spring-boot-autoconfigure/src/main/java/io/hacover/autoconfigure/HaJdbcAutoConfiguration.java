package io.hacover.autoconfigure;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of HA connections for the application's data sources
 * ({@code ha.jdbc.enabled=true}): every connection of every {@link DataSource} bean is an
 * HA connection named after the bean, under the pool when it is HikariCP. Ordered before
 * Spring Boot's data source auto-configuration, like {@link HaAutoConfiguration}, whose
 * settings and table it uses.
 */
@AutoConfiguration(after = HaAutoConfiguration.class,
		beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(DataSource.class)
@ConditionalOnBooleanProperty(name = "ha.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty("ha.jdbc.enabled")
public final class HaJdbcAutoConfiguration {

	@Bean
	static HaDataSourcePostProcessor haDataSourcePostProcessor(ObjectProvider<PropertiesHaAwareSupport> support,
			ObjectProvider<PhysicalConnections> pools) {
		return new HaDataSourcePostProcessor(support, pools);
	}

	/**
	 * HA connections under a HikariCP pool, as its physical connections.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HikariDataSource.class)
	static class HikariConfiguration {

		@Bean
		static HikariPhysicalConnections haHikariPhysicalConnections() {
			return new HikariPhysicalConnections();
		}

	}

}
