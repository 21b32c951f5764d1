package io.hacover.sample;

import io.hacover.core.HaConnections;
import io.hacover.io.HaChannels;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * An application that keeps working while its database, a socket peer and a file server
 * crash and come back. By default it runs the live demo ({@link LiveDemoConfiguration}):
 * it serves a live page at {@code http://localhost:8080/} and runs until stopped. With
 * {@code sample.example=remote-file} or {@code checkpoint} it runs one of the example
 * programs of the C library's guide instead, without a web server, and exits: 0 on
 * success, 1 otherwise.
 */
@SpringBootApplication(proxyBeanMethods = false)
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "remote-file")
	ExampleResults remoteFileResults() {
		return new ExampleResults();
	}

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "remote-file")
	RemoteFileExample remoteFileExample(HaChannels channels, HaConnections connections, ExampleResults results) {
		return new RemoteFileExample(channels, connections, results);
	}

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "checkpoint")
	ExampleResults checkpointResults() {
		return new ExampleResults();
	}

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "checkpoint")
	CheckpointExample checkpointExample(HaChannels channels, HaConnections connections, ExampleResults results) {
		return new CheckpointExample(channels, connections, results);
	}

	/**
	 * Runs the live demo until stopped, or the example named by {@code sample.example}
	 * without a web server, and exits.
	 * @param args the command line
	 */
	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(SampleApplication.class);
		ApplicationListener<ApplicationEnvironmentPreparedEvent> examplesNeedNoWebServer = (event) -> {
			if (!"demo".equals(event.getEnvironment().getProperty("sample.example", "demo"))) {
				event.getSpringApplication().setWebApplicationType(WebApplicationType.NONE);
			}
		};
		application.addListeners(examplesNeedNoWebServer);
		ConfigurableApplicationContext context = application.run(args);
		if (context.getBeanProvider(ExampleResults.class).getIfAvailable() != null) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
