package com.example.outside;

import io.hacover.core.HaConnections;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
class OutsideApplicationTests {

	@Autowired
	HaConnections connections;

	@Autowired
	Clock clock;

	@Test
	void theStarterDeclaredTheUsualWayMakesBeansHaAware() {
		assertThat(this.connections.isHaAware(this.clock)).isTrue();
		assertThat(this.clock.tick()).isEqualTo(1);
		assertThat(this.connections.find("clock")).hasValueSatisfying(
				(info) -> assertThat(info.recovery()).isEqualTo("renew"));
	}

}
