package io.hacover.bench;

import javax.sql.DataSource;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;

/**
 * The usual alternative to an HA layer: a {@code SELECT 1} through {@link JdbcTemplate}
 * in a method annotated with Spring Framework 7's {@link Retryable}, with its defaults (3
 * retries, 1 s apart), in a Spring context with {@link EnableResilientMethods}.
 */
public class RetryableSelect {

	private final JdbcTemplate jdbc;

	RetryableSelect(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Runs {@code SELECT 1}, retried by Spring's {@code @Retryable} defaults.
	 * @return 1
	 */
	@Retryable
	public int selectOne() {
		return this.jdbc.queryForObject("select 1", Integer.class);
	}

	/**
	 * Makes a Spring context holding a {@link RetryableSelect} bean over the data source.
	 * @param dataSource the data source
	 * @return the refreshed context
	 */
	static AnnotationConfigApplicationContext context(DataSource dataSource) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.registerBean(DataSource.class, () -> dataSource);
		context.register(RetryableConfiguration.class);
		context.refresh();
		return context;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableResilientMethods
	static class RetryableConfiguration {

		@Bean
		RetryableSelect retryableSelect(DataSource dataSource) {
			return new RetryableSelect(new JdbcTemplate(dataSource));
		}

	}

}
