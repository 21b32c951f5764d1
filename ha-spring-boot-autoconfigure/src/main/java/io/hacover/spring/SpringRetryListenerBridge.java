package io.hacover.spring;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.hacover.core.HaEvent;
import io.hacover.core.HaListener;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.context.RetryContextSupport;

/**
 * Tells spring-retry {@link RetryListener} beans about recoveries, as if each recovery
 * were one retry operation: {@code open} when it starts, {@code onError} for each failed
 * attempt, {@code onSuccess} and {@code close} when it ends. The context's
 * {@link RetryContext#NAME name} attribute is the connection's name. The callback handed
 * to the listeners cannot be run: the HA engine runs the attempts.
 */
public final class SpringRetryListenerBridge implements HaListener {

	private static final RetryCallback<Object, RuntimeException> ENGINE_RUNS_ATTEMPTS = (context) -> {
		throw new UnsupportedOperationException("recovery attempts are run by the HA engine");
	};

	private final ObjectProvider<RetryListener> listeners;

	private final Map<String, RetryContextSupport> recoveries = new ConcurrentHashMap<>();

	/**
	 * Creates a bridge.
	 * @param listeners the retry listener beans, in order, asked for at each event
	 */
	public SpringRetryListenerBridge(ObjectProvider<RetryListener> listeners) {
		this.listeners = listeners;
	}

	@Override
	public void onEvent(HaEvent event) {
		List<RetryListener> targets = this.listeners.orderedStream().toList();
		if (targets.isEmpty()) {
			return;
		}
		switch (event.kind()) {
			case RECOVERY_STARTED -> {
				RetryContextSupport context = new RetryContextSupport(null);
				context.setAttribute(RetryContext.NAME, event.connection());
				this.recoveries.put(event.connection(), context);
				targets.forEach((listener) -> listener.open(context, ENGINE_RUNS_ATTEMPTS));
			}
			case ATTEMPT_FAILED -> {
				RetryContextSupport context = this.recoveries.get(event.connection());
				if (context != null) {
					context.registerThrowable(event.cause());
					targets.forEach((listener) -> listener.onError(context, ENGINE_RUNS_ATTEMPTS, event.cause()));
				}
			}
			case RECOVERED -> {
				RetryContextSupport context = this.recoveries.remove(event.connection());
				if (context != null) {
					targets.forEach((listener) -> listener.onSuccess(context, ENGINE_RUNS_ATTEMPTS, null));
					targets.forEach((listener) -> listener.close(context, ENGINE_RUNS_ATTEMPTS, null));
				}
			}
			case GAVE_UP -> {
				RetryContextSupport context = this.recoveries.remove(event.connection());
				if (context != null) {
					targets.forEach((listener) -> listener.close(context, ENGINE_RUNS_ATTEMPTS, event.cause()));
				}
			}
			default -> {
			}
		}
	}

}
