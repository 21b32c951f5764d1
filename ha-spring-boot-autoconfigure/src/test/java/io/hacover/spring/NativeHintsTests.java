package io.hacover.spring;

import java.nio.channels.SeekableByteChannel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import io.hacover.autoconfigure.HaAutoConfiguration;
import io.hacover.io.SocketConnection;
import io.hacover.testsupport.LineClient;
import io.hacover.testsupport.SocketLineClient;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints a native image needs (H1, H10): it cannot define the engine's generated
 * classes at run time, so each HA connection there is a JDK dynamic proxy of the
 * connection's interfaces, issued by reflection. The proxies and reflection of the covers
 * come from {@code META-INF/spring/aot.factories}, and each {@code @HaAware} bean
 * contributes its own when the context is processed ahead of time.
 */
class NativeHintsTests {

	@Test
	void coversRegisterTheirProxiesAndReflection() {
		RuntimeHints hints = new RuntimeHints();
		AotServices.factories()
			.load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));
		assertThat(RuntimeHintsPredicates.proxies().forInterfaces(SeekableByteChannel.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.proxies().forInterfaces(SocketConnection.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.proxies()
			.forInterfaces(TypeReference.of(Connection.class), TypeReference.of("io.hacover.jdbc.StatementHost")))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.proxies().forInterfaces(PreparedStatement.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.proxies().forInterfaces(ResultSet.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(Connection.class)
			.withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS)).accepts(hints);
	}

	@Test
	void haAwareBeanRegistersTheProxyOfItsInterfacesAheadOfTime() {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.register(HaAutoConfiguration.class, ClientConfiguration.class);
			DefaultGenerationContext generation = new DefaultGenerationContext(
					new ClassNameGenerator(ClassName.get("com.example", "NativeHints")), new InMemoryGeneratedFiles());
			new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
			RuntimeHints hints = generation.getRuntimeHints();
			assertThat(RuntimeHintsPredicates.proxies().forInterfaces(LineClient.class)).accepts(hints);
			assertThat(RuntimeHintsPredicates.reflection()
				.onType(LineClient.class)
				.withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS)).accepts(hints);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ClientConfiguration {

		@Bean
		@HaAware(name = "client")
		LineClient client() throws java.io.IOException {
			return SocketLineClient.connect("localhost", 1, Duration.ofSeconds(1));
		}

	}

}
