package io.hacover.actuate;

import java.io.IOException;

import io.hacover.actuate.ActuatorClient.Reply;
import io.hacover.core.ConnectionState;
import io.hacover.core.HaConnections;
import io.hacover.testsupport.LineServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ha} endpoint with default access: it reads, and refuses every write, even
 * the operator's.
 */
@SpringBootTest(classes = LineClientApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=ha")
class HaEndpointReadOnlyWebTests {

	private static LineServer server;

	@LocalServerPort
	private int port;

	@Autowired
	private HaConnections connections;

	@DynamicPropertySource
	static void serverPort(DynamicPropertyRegistry registry) throws IOException {
		server = LineServer.start();
		registry.add("line.port", server::port);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	@DisplayName("H5: with default settings a write is refused and the connection stays attached")
	void writesAreRefusedByDefault() throws Exception {
		ActuatorClient actuator = new ActuatorClient(this.port);
		Reply read = actuator.get("/actuator/ha/lineClient");
		assertThat(read.status()).isEqualTo(200);
		assertThat(read.<String>at("state")).isEqualTo("ATTACHED");
		Reply write = actuator.post("/actuator/ha/lineClient", "{\"action\":\"detach\"}", "operator:operator-password");
		assertThat(write.status()).isEqualTo(405);
		assertThat(this.connections.find("lineClient").orElseThrow().state()).isEqualTo(ConnectionState.ATTACHED);
	}

}
