package io.hacover.sample;

import java.io.IOException;

import io.hacover.autoconfigure.HaAware;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.io.HaChannels;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A client that keeps working while the server behind it crashes and restarts: the
 * {@link GreetingClient} bean is {@link HaAware @HaAware}, so a call that fails because
 * the server died is held while the {@code reconnect} recovery function connects again,
 * then issued again on the new connection.
 */
@SpringBootApplication(proxyBeanMethods = false)
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

	private static final String CONNECTION = "greeting";

	@Bean
	EmbeddedLineServer lineServer() throws IOException {
		return EmbeddedLineServer.start(0);
	}

	@Bean
	@HaAware(recovery = "reconnect", name = CONNECTION)
	GreetingClient greetingClient(EmbeddedLineServer server) throws IOException {
		return SocketGreetingClient.connect(server.address());
	}

	@Bean
	RecoveryFunction<GreetingClient> reconnect(EmbeddedLineServer server) {
		return (context) -> {
			context.failedResource().close();
			return SocketGreetingClient.connect(server.address());
		};
	}

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "outages", matchIfMissing = true)
	DemoResults demoResults() {
		return new DemoResults();
	}

	@Bean
	@ConditionalOnProperty(name = "sample.example", havingValue = "outages", matchIfMissing = true)
	OutageDemo outageDemo(GreetingClient client, EmbeddedLineServer server, HaConnections connections,
			SampleProperties properties, DemoResults results) {
		return new OutageDemo(client, CONNECTION, server, connections, properties, results);
	}

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
	 * Runs the demo, or the example named by {@code sample.example}, and exits: 0 on
	 * success, 1 otherwise.
	 * @param args the command line
	 */
	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(SampleApplication.class, args)));
	}

}
