package io.hacover.actuate;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;
import io.hacover.core.RecoveryContext;
import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.SocketLineClient;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * An application with one {@code @HaAware} client of a {@code LineServer} at
 * {@code line.port}, two recovery beans, and security that lets every request through (so
 * that the endpoint's own checks are what is tested) with two users: {@code operator} in
 * role {@code HA_ADMIN} and {@code viewer} in none.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(exclude = DataSourceAutoConfiguration.class)
class LineClientApplication {

	@Bean
	@HaAware(recovery = "reconnect")
	LineClient lineClient(@Value("${line.port}") int port) throws IOException {
		return SocketLineClient.connect("127.0.0.1", port, Duration.ofSeconds(5));
	}

	@Bean
	Reconnect reconnect(@Value("${line.port}") int port) {
		return new Reconnect(port);
	}

	@Bean
	Reconnect otherReconnect(@Value("${line.port}") int port) {
		return new Reconnect(port);
	}

	@Bean
	LastStaleError lastStaleError() {
		return new LastStaleError();
	}

	@Bean
	SecurityFilterChain everyRequestGetsThrough(HttpSecurity http) throws Exception {
		return http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
			.httpBasic(Customizer.withDefaults())
			.csrf((csrf) -> csrf.disable())
			.build();
	}

	@Bean
	UserDetailsService users() {
		return new InMemoryUserDetailsManager(
				User.withUsername("operator").password("{noop}operator-password").roles("HA_ADMIN").build(),
				User.withUsername("viewer").password("{noop}viewer-password").roles("VIEWER").build());
	}

	/**
	 * Connects a new client to the server, counting its calls.
	 */
	static final class Reconnect implements RecoveryFunction<LineClient> {

		private final int port;

		private final AtomicInteger calls = new AtomicInteger();

		Reconnect(int port) {
			this.port = port;
		}

		@Override
		public LineClient recover(RecoveryContext<LineClient> context) throws Exception {
			this.calls.incrementAndGet();
			context.failedResource().close();
			return SocketLineClient.connect("127.0.0.1", this.port, Duration.ofSeconds(5));
		}

		int calls() {
			return this.calls.get();
		}

	}

	/**
	 * Keeps the stale error of the last recovery that started.
	 */
	static final class LastStaleError implements HaListener {

		private final AtomicReference<Throwable> error = new AtomicReference<>();

		@Override
		public void onEvent(HaEvent event) {
			if (event.kind() == HaEvent.Kind.RECOVERY_STARTED) {
				this.error.set(event.cause());
			}
		}

		Throwable get() {
			return this.error.get();
		}

	}

}
