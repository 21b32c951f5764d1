package io.hacover.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Predicate;

/**
 * The call path of one record's HA connections: issues an operation on the current
 * resource and, after a stale error, recovers the connection and issues the operation
 * again as the retransmit policy allows (H8, H10, H13, H14). Only a throwable leaves the
 * happy path, which allocates nothing.
 *
 * @param <T> the type of the resource
 */
final class Reissue<T> {

	private final ConnectionRecord<T> record;

	private final StaleConnectionClassifier classifier;

	private final Predicate<Call> idempotent;

	private final Attachment.OutcomeTranslator outcomeTranslator;

	Reissue(ConnectionRecord<T> record, StaleConnectionClassifier classifier, Attachment<T> attachment) {
		this.record = record;
		this.classifier = classifier;
		this.idempotent = (attachment.idempotent != null) ? attachment.idempotent : (call) -> false;
		this.outcomeTranslator = (attachment.outcomeTranslator != null) ? attachment.outcomeTranslator
				: (call, outcomeUnknown) -> {
					throw outcomeUnknown;
				};
	}

	/**
	 * Issues an operation on the current resource, recovering and re-issuing it after a
	 * stale error (H8, H10, H13, H14).
	 * @param connection the HA connection, returned instead of the resource by a fluent
	 * operation that returns its receiver
	 */
	Object invoke(Object connection, Method method, Object[] args) throws Throwable {
		ConnectionRecord.Current<T> issuedOn = this.record.current();
		Object result;
		try {
			result = method.invoke(issuedOn.resource(), args);
		}
		catch (InvocationTargetException ex) {
			return afterFailure(connection, method, args, issuedOn, ex.getCause());
		}
		return issuedOn.map(result, connection);
	}

	/**
	 * Handles the error an operation issued on {@code failedOn} threw: rethrows it if it
	 * is not stale, else recovers and re-issues the operation as the retransmit policy
	 * allows (H8, H10, H13, H14).
	 * @param connection the HA connection, returned instead of the resource by a fluent
	 * operation that returns its receiver
	 * @return what the re-issued operation returned
	 */
	Object afterFailure(Object connection, Method method, Object[] args, ConnectionRecord.Current<T> failedOn,
			Throwable error) throws Throwable {
		ConnectionRecord.Current<T> issuedOn = failedOn;
		Throwable failure = error;
		for (int reissues = 0;; reissues++) {
			if (!this.record.recoveryEnabled() || !this.classifier.isStale(failure)) {
				throw failure;
			}
			Call call = new IssuedCall(method, args, InjectedFault.unwrap(issuedOn.resource()), failure);
			// Decided on the failed resource before the recovery closes it.
			boolean reissue = mayRetransmit(call);
			issuedOn = this.record.recover(issuedOn, failure);
			if (!reissue) {
				return issuedOn.map(this.outcomeTranslator.translate(call,
						new OutcomeUnknownException(this.record.name, describe(method), failure)), connection);
			}
			int limit = this.record.settings().maxRetransmissions();
			if (reissues >= limit) {
				failure.addSuppressed(new RecoveryFailedException(this.record.name, 0,
						"the connection is recovered, but operation " + describe(method) + " was already re-issued "
								+ limit + " times and failed stale each time; giving up on this call",
						null));
				throw failure;
			}
			this.record.counters.retransmitted();
			this.record.publish(HaEvent.Kind.RETRANSMITTED);
			Object result;
			try {
				result = method.invoke(issuedOn.resource(), args);
			}
			catch (InvocationTargetException ex) {
				failure = ex.getCause();
				continue;
			}
			return issuedOn.map(result, connection);
		}
	}

	private boolean mayRetransmit(Call call) {
		return this.record.settings().retransmit() == RetransmitPolicy.ALWAYS
				|| call.method().isAnnotationPresent(Idempotent.class) || this.idempotent.test(call);
	}

	private String describe(Method method) {
		return this.record.type.getSimpleName() + "." + method.getName() + "()";
	}

}
