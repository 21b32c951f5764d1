package io.hacover.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The second example of the C library's guide runs to its end during start-up: by the
 * time a test runs, a remote file has been read to its end across three restarts of the
 * file server, each recovery seeking to the offset checkpointed in the handle.
 */
@SpringBootTest(properties = "sample.example=checkpoint")
class CheckpointExampleTests {

	@Autowired
	private ExampleResults results;

	@Autowired(required = false)
	private Chaos liveDemo;

	@Test
	void theWholeFileIsReadAndVerifiedAcrossThreeRestarts() {
		assertThat(this.results.completed()).isTrue();
		assertThat(this.results.bytesVerified()).isEqualTo(16L * 1024 * 1024);
		assertThat(this.results.restarts()).isEqualTo(3);
	}

	@Test
	void everyRecoveryRestoredTheOffsetFromTheCheckpoint() {
		assertThat(this.results.recoveriesInHandle()).isEqualTo(this.results.recoveries()).isGreaterThanOrEqualTo(3);
	}

	@Test
	void onlyTheChosenExampleRunsAndTheExitCodeIsZero() {
		assertThat(this.liveDemo).isNull();
		assertThat(this.results.getExitCode()).isZero();
	}

}
