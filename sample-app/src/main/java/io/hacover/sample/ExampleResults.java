package io.hacover.sample;

import org.springframework.boot.ExitCodeGenerator;

/**
 * What one of the example programs ({@code sample.example=remote-file} or
 * {@code checkpoint}) saw. Its exit code is 0 if the example ran to its end with every
 * byte verified and every recovery counted, 1 otherwise.
 */
public final class ExampleResults implements ExitCodeGenerator {

	private volatile boolean completed;

	private volatile long bytesVerified;

	private volatile int restarts;

	private volatile long recoveries;

	private volatile long recoveriesInHandle;

	/**
	 * Returns whether the example ran to its end and all its checks held.
	 * @return {@code true} on success
	 */
	public boolean completed() {
		return this.completed;
	}

	/**
	 * Returns how many bytes were read and found equal to the file's.
	 * @return the number of verified bytes
	 */
	public long bytesVerified() {
		return this.bytesVerified;
	}

	/**
	 * Returns how many times the server was killed and restarted.
	 * @return the number of restarts
	 */
	public int restarts() {
		return this.restarts;
	}

	/**
	 * Returns how many times the table of HA connections reports that a recovery function
	 * was called.
	 * @return the recoveries the table counted
	 */
	public long recoveries() {
		return this.recoveries;
	}

	/**
	 * Returns how many recoveries the handle saw: counted by the recovery functions
	 * ({@code remote-file}), or restored from the checkpoint ({@code checkpoint}).
	 * @return the recoveries the handle counted
	 */
	public long recoveriesInHandle() {
		return this.recoveriesInHandle;
	}

	@Override
	public int getExitCode() {
		return this.completed ? 0 : 1;
	}

	void completed(long bytesVerified, int restarts, long recoveries, long recoveriesInHandle) {
		this.bytesVerified = bytesVerified;
		this.restarts = restarts;
		this.recoveries = recoveries;
		this.recoveriesInHandle = recoveriesInHandle;
		this.completed = true;
	}

}
