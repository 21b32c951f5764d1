package io.hacover.sample;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.util.TestSocketUtils;

/**
 * Free ports for the live demo's embedded servers, so that a test does not take the fixed
 * ports of {@code application.yml}, which a running demo may hold.
 */
final class FreePorts {

	private final int postgres = TestSocketUtils.findAvailableTcpPort();

	private final int line = TestSocketUtils.findAvailableTcpPort();

	private final int files = TestSocketUtils.findAvailableTcpPort();

	private final int failoverA = TestSocketUtils.findAvailableTcpPort();

	private final int failoverB = TestSocketUtils.findAvailableTcpPort();

	int[] all() {
		return new int[] { this.postgres, this.line, this.files, this.failoverA, this.failoverB };
	}

	int failoverA() {
		return this.failoverA;
	}

	int failoverB() {
		return this.failoverB;
	}

	String[] asArguments() {
		return new String[] { "--sample.servers.postgres-port=" + this.postgres,
				"--sample.servers.line-port=" + this.line, "--sample.servers.files-port=" + this.files,
				"--sample.servers.failover-port-a=" + this.failoverA,
				"--sample.servers.failover-port-b=" + this.failoverB };
	}

	void register(DynamicPropertyRegistry registry) {
		registry.add("sample.servers.postgres-port", () -> this.postgres);
		registry.add("sample.servers.line-port", () -> this.line);
		registry.add("sample.servers.files-port", () -> this.files);
		registry.add("sample.servers.failover-port-a", () -> this.failoverA);
		registry.add("sample.servers.failover-port-b", () -> this.failoverB);
	}

}
