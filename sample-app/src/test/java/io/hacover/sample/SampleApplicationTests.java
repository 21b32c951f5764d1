package io.hacover.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo runs to its end during start-up: by the time a test runs, the server has been
 * killed and restarted three times under load.
 */
@SpringBootTest(properties = { "sample.outages=3", "sample.outage-interval=200ms", "sample.downtime=100ms" })
class SampleApplicationTests {

	@Autowired
	private DemoResults results;

	@Test
	void clientRecoversOnceFromEveryOutageAndNoCallFails() {
		assertThat(this.results.outages()).isEqualTo(3);
		assertThat(this.results.recoveries()).isEqualTo(3);
		assertThat(this.results.failedCalls()).isZero();
		assertThat(this.results.calls()).isPositive();
	}

	@Test
	void callsThatFailedWhenTheServerDiedWereIssuedAgain() {
		assertThat(this.results.retransmissions()).isGreaterThanOrEqualTo(this.results.recoveries());
	}

	@Test
	void exitCodeIsZeroWhenNoCallFailed() {
		assertThat(this.results.getExitCode()).isZero();
	}

}
