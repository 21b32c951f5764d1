package io.hacover.sample;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.hacover.core.ConnectionInfo;

import org.springframework.boot.ExitCodeGenerator;

/**
 * What the demo saw: outages, calls, failed calls, and the HA connection's counters after
 * the last outage. Its exit code is 0 if no call failed, 1 otherwise.
 */
public final class DemoResults implements ExitCodeGenerator {

	private final AtomicInteger outages = new AtomicInteger();

	private final AtomicLong calls = new AtomicLong();

	private final AtomicLong failedCalls = new AtomicLong();

	private volatile ConnectionInfo connection;

	/**
	 * Returns how many outages the demo went through.
	 * @return the number of outages
	 */
	public int outages() {
		return this.outages.get();
	}

	/**
	 * Returns how many calls succeeded with the right reply.
	 * @return the number of good calls
	 */
	public long calls() {
		return this.calls.get();
	}

	/**
	 * Returns how many calls threw or got a wrong reply.
	 * @return the number of failed calls
	 */
	public long failedCalls() {
		return this.failedCalls.get();
	}

	/**
	 * Returns how many times the HA connection was recovered.
	 * @return successful calls of the recovery function
	 */
	public long recoveries() {
		ConnectionInfo info = this.connection;
		return (info != null) ? info.recoveriesSucceeded() : 0;
	}

	/**
	 * Returns how many reconnects failed because the server was still down.
	 * @return failed calls of the recovery function
	 */
	public long refusedReconnects() {
		ConnectionInfo info = this.connection;
		return (info != null) ? info.recoveriesFailed() : 0;
	}

	/**
	 * Returns how many calls were issued again after a recovery.
	 * @return the number of retransmissions
	 */
	public long retransmissions() {
		ConnectionInfo info = this.connection;
		return (info != null) ? info.retransmissions() : 0;
	}

	@Override
	public int getExitCode() {
		return (failedCalls() == 0) ? 0 : 1;
	}

	void callSucceeded() {
		this.calls.incrementAndGet();
	}

	long callFailed() {
		return this.failedCalls.incrementAndGet();
	}

	void outageEnded(ConnectionInfo info) {
		this.connection = info;
		this.outages.incrementAndGet();
	}

	void ended(ConnectionInfo info) {
		this.connection = info;
	}

}
