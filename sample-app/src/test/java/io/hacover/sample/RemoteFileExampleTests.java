package io.hacover.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first example of the C library's guide runs to its end during start-up: by the time
 * a test runs, two remote files have been read through duplicates across two restarts of
 * the file server.
 */
@SpringBootTest(properties = "sample.example=remote-file")
class RemoteFileExampleTests {

	@Autowired
	private ExampleResults results;

	@Autowired(required = false)
	private Chaos liveDemo;

	@Test
	void everyByteReadAcrossTheRestartsIsTheFilesByte() {
		assertThat(this.results.completed()).isTrue();
		assertThat(this.results.restarts()).isEqualTo(2);
		assertThat(this.results.bytesVerified()).isGreaterThan(3L * 1024 * 1024);
	}

	@Test
	void theHandleCountsEveryRecoveryTheTableReports() {
		assertThat(this.results.recoveriesInHandle()).isEqualTo(this.results.recoveries()).isGreaterThanOrEqualTo(3);
	}

	@Test
	void onlyTheChosenExampleRunsAndTheExitCodeIsZero() {
		assertThat(this.liveDemo).isNull();
		assertThat(this.results.getExitCode()).isZero();
	}

}
