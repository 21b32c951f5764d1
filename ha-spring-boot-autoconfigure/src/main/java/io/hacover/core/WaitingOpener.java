package io.hacover.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens the first resource of a connection while its server may be down: stale failures
 * are tried again by the recovery loop ({@link RecoveryRun}), spaced by the connection's
 * policy within its budget, so that a connection asked for during a restart is given when
 * the server is back (H12, H28, H30). When the loop gives up, the last failure is thrown,
 * with the reason attached as suppressed when it is stale (H11); any other failure is
 * thrown as it is, at once.
 *
 * @param <T> the type of the resource
 */
final class WaitingOpener<T> implements Opener<T> {

	private final Opener<T> opener;

	private final String name;

	private final RecoveryPolicy policy;

	private final StaleConnectionClassifier classifier;

	private final ReadinessProbes.Readiness readiness;

	WaitingOpener(Opener<T> opener, String name, RecoveryPolicy policy, StaleConnectionClassifier classifier,
			ReadinessProbes.Readiness readiness) {
		this.opener = opener;
		this.name = name;
		this.policy = policy;
		this.classifier = classifier;
		this.readiness = readiness;
	}

	@Override
	public T open() throws Exception {
		long started = System.nanoTime();
		try {
			// The happy path pays for no run and no watch: the opener's own connect and
			// login timeouts bound this first try (H35).
			return this.opener.open();
		}
		catch (Exception ex) {
			if (!this.classifier.isStale(ex)) {
				throw ex;
			}
			return waitOut(ex, started);
		}
	}

	private T waitOut(Exception first, long started) throws Exception {
		RecoveryRun<T> run = new RecoveryRun<>(this.name, this.policy, this.classifier, started, this.readiness);
		AtomicReference<Throwable> last = new AtomicReference<>(first);
		RecoveryRun.Outcome outcome = run.run((attempt) -> this.opener.open(), new RecoveryRun.Tally() {

			@Override
			public String refusal() {
				return null;
			}

			@Override
			public void attemptFailed(int attempt, Throwable failure) {
				if (!(failure instanceof RecoveryFailedException)) {
					// The caller gets the server's last error, with the reason attached
					// (H11), also when the last attempt ran past the budget.
					last.set(failure);
				}
			}

		}, () -> {
		});
		if (outcome == RecoveryRun.Outcome.RECOVERED) {
			return run.resource();
		}
		Throwable failure = last.get();
		if (outcome == RecoveryRun.Outcome.INTERRUPTED) {
			throw (failure instanceof Exception ex) ? ex
					: new InterruptedException("interrupted while opening connection '" + this.name + "'");
		}
		if (!(failure instanceof Exception ex)) {
			throw run.reason();
		}
		if (this.classifier.isStale(ex)) {
			ex.addSuppressed(run.reason());
		}
		throw ex;
	}

}
