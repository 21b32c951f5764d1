package io.hacover.core;

/**
 * What one call of a recovery function is told (H9), and how it reopens the connection
 * the way it was first opened (H26).
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
					+ "' was attached, not opened, so it cannot be reopened the same way; "
					+ "return a new resource from the recovery function instead");
		}
		Closeables.closeQuietly(this.failedResource);
		return reopener.open();
	}

}
