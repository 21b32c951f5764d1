package io.hacover.core;

/**
 * One call of a recovery function: what it is told (H9), how it reopens the connection
 * the way it was first opened (H26), and the check of what it returns (H29).
 *
 * @param <T> the type of the resource
 */
final class AttemptContext<T> implements RecoveryContext<T> {

	private final ConnectionRecord<T> record;

	private final T failedResource;

	private final Throwable cause;

	private final int attempt;

	AttemptContext(ConnectionRecord<T> record, T failedResource, Throwable cause, int attempt) {
		this.record = record;
		this.failedResource = failedResource;
		this.cause = cause;
		this.attempt = attempt;
	}

	/**
	 * Calls the recovery function with this context and checks what it returns (H29): a
	 * resource of the connection's type, not the HA connection itself or a duplicate.
	 * @param function the recovery function
	 * @return the resource, or {@code null} when the function gave up
	 * @throws RecoveryFailedException when it returned something else
	 * @throws Exception what the function threw
	 */
	T call(RecoveryFunction<T> function) throws Exception {
		T fresh = function.recover(this);
		if (fresh == null) {
			return null;
		}
		for (Class<?> required : this.record.interfaces()) {
			if (!required.isInstance(fresh)) {
				throw new RecoveryFailedException(this.record.name, this.attempt,
						"the recovery function returned a " + fresh.getClass().getName() + ", which is not a "
								+ required.getName() + "; it must return a resource of the connection's type",
						null);
			}
		}
		ConnectionProxy<?> returned = ConnectionProxy.of(fresh);
		if (returned != null && returned.record == this.record) {
			throw new RecoveryFailedException(this.record.name, this.attempt,
					"the recovery function returned the HA connection itself (or a duplicate of it) instead of a "
							+ "resource to put behind it; return a new resource, for example context.reopen()",
					null);
		}
		return fresh;
	}

	@Override
	public String name() {
		return this.record.name;
	}

	@Override
	public Class<T> type() {
		return this.record.type;
	}

	@Override
	public T failedResource() {
		return this.failedResource;
	}

	@Override
	public Object handle() {
		return this.record.handle();
	}

	@Override
	public Throwable cause() {
		return this.cause;
	}

	@Override
	public int attempt() {
		return this.attempt;
	}

	@Override
	public T reopen() throws Exception {
		Opener<T> reopener = this.record.opener();
		if (reopener == null) {
			throw new IllegalStateException("connection '" + this.record.name
					+ "' was attached, not opened, so context.reopen() does not know how to open it again; "
					+ "open a new resource in the recovery function and return it (a channel: "
					+ "channels.reopen(context, uri); a socket: HaSockets.reconnect(context, endpoints)), "
					+ "or attach it with Attachment.of(type, resource, opener) so that reopen() can use the opener");
		}
		Closeables.closeQuietly(this.failedResource);
		return reopener.open();
	}

}
