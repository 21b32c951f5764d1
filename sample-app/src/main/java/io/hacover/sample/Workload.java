package io.hacover.sample;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.annotation.Scheduled;

/**
 * A small loop of the live demo that calls one HA connection ten times a second, and
 * counts its calls and the errors they ended with. An error is either one the application
 * expects and handles, such as an insert whose outcome is unknown after an outage, or an
 * unexpected one: an error that hacover should have kept from the application. While the
 * servers crash and come back, a workload should see no unexpected error at all.
 */
abstract class Workload {

	private static final Log logger = LogFactory.getLog(Workload.class);

	private final String name;

	private final AtomicLong calls = new AtomicLong();

	private final AtomicLong errors = new AtomicLong();

	private final AtomicLong unexpectedErrors = new AtomicLong();

	private long failedInARow;

	/**
	 * Creates a workload.
	 * @param name its name, as shown by {@code /api/demo}
	 */
	Workload(String name) {
		this.name = name;
	}

	/**
	 * Returns the workload's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Returns the name of the HA connection the workload calls, as listed by
	 * {@code /actuator/ha}.
	 * @return the connection's name
	 */
	public abstract String connection();

	/**
	 * Returns how many calls the workload made.
	 * @return the calls, successful or not
	 */
	public long calls() {
		return this.calls.get();
	}

	/**
	 * Returns how many calls ended with an error, expected or not.
	 * @return the failed calls
	 */
	public long errors() {
		return this.errors.get();
	}

	/**
	 * Returns how many calls ended with an error the workload did not expect.
	 * @return the calls that failed unexpectedly
	 */
	public long unexpectedErrors() {
		return this.unexpectedErrors.get();
	}

	/**
	 * Makes one call and counts how it ended; scheduled 100 ms after the previous call
	 * ended, on a thread of its own.
	 */
	@Scheduled(fixedDelay = 100)
	void run() {
		this.calls.incrementAndGet();
		try {
			call();
			if (this.failedInARow > 0) {
				logger.info("%s: calls succeed again, after %d failed".formatted(this.name, this.failedInARow));
				this.failedInARow = 0;
			}
		}
		catch (Exception ex) {
			this.errors.incrementAndGet();
			if (!handles(ex)) {
				this.unexpectedErrors.incrementAndGet();
				if (this.failedInARow++ == 0) {
					logger.warn("%s: call failed unexpectedly (%s)".formatted(this.name, ex.getClass().getName()));
				}
			}
		}
	}

	/**
	 * Makes one call on the connection and checks its result.
	 * @throws Exception if the call fails or returns a wrong result
	 */
	protected abstract void call() throws Exception;

	/**
	 * Handles the error of a failed call if the application expects it; by default it
	 * expects none.
	 * @param ex the error
	 * @return whether the error was expected and handled
	 */
	protected boolean handles(Exception ex) {
		return false;
	}

}
