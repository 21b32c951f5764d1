package io.hacover.sample;

import io.hacover.test.RecoveryContract;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test kit on the sample's own {@code greeting} client: its {@code reconnect}
 * recovery bean keeps the contract, against the embedded line server, with the name the
 * server greets as the session state it must set again. The README's "Testing your
 * recovery functions" quotes this test.
 */
@SpringBootTest(properties = { "sample.chaos.enabled=false", "ha.connections.greeting.backoff.budget=1s" })
@DirtiesContext
class GreetingContractTests {

	private static final FreePorts ports = new FreePorts();

	@Autowired
	private ApplicationContext context;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		ports.register(registry);
	}

	@Test
	@DisplayName("H4, H11, H19, H27, H28, H29: the greeting client's recovery keeps the contract")
	void greetingRecoveryKeepsTheContract() {
		RecoveryContract.of(this.context, "greeting", GreetingClient.class)
			.call((greeting) -> greeting.echo("ping"))
			.state((greeting) -> greeting.setName("Ada"),
					(greeting) -> assertThat(greeting.hello()).isEqualTo("Hello, Ada"))
			.verify();
	}

}
