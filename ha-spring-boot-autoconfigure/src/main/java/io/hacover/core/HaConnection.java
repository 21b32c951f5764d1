package io.hacover.core;

/**
 * The superclass of the classes the engine generates for HA connections: holds the
 * connection's handle, and gives the generated methods their way in. Public only so that
 * a class generated in another package (an
 * {@link Attachment#generatedIn(java.lang.invoke.MethodHandles.Lookup) attachment's own})
 * may extend it; applications neither extend nor call it. Equality and hash code are
 * those of the object's identity, as for the JDK proxies; {@link #toString()} names the
 * connection.
 */
public abstract class HaConnection {

	final ConnectionProxy<?> handle;

	/**
	 * Makes an HA connection on its handle.
	 * @param handle the handle, which only the engine makes
	 */
	protected HaConnection(Object handle) {
		this.handle = (ConnectionProxy<?>) handle;
	}

	/**
	 * The start of a generated method: the current resource and its generation, or
	 * {@code null} when this duplicate is closed.
	 * @return an opaque token for {@link #haResource(Object)} and
	 * {@link #haFailed(int, Object, Object[], Throwable)}, or {@code null}
	 */
	protected final Object haEnter() {
		return this.handle.enter();
	}

	/**
	 * Returns the resource of a token of {@link #haEnter()}.
	 * @param current the token
	 * @return the resource to call directly
	 */
	protected static Object haResource(Object current) {
		return ((ConnectionRecord.Current<?>) current).resource();
	}

	/**
	 * The slow path of a generated method whose direct call threw: classify, recover and
	 * re-issue.
	 * @param index the index of the method in its class
	 * @param issuedOn the token of {@link #haEnter()} the call was issued on
	 * @param args the arguments, {@code null} for none
	 * @param error what the call threw
	 * @return what the re-issued call returned
	 * @throws Throwable the error, or what recovery or the re-issued call threw
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	protected final Object haFailed(int index, Object issuedOn, Object[] args, Throwable error) throws Throwable {
		return ((ConnectionProxy) this.handle).failed(this, index, (ConnectionRecord.Current) issuedOn, args, error);
	}

	/**
	 * A call that takes no fast path: {@code close()}, or any call on a closed duplicate.
	 * @param index the index of the method in its class
	 * @param args the arguments, {@code null} for none
	 * @return what the call returned
	 * @throws Throwable what it threw
	 */
	protected final Object haInvoke(int index, Object[] args) throws Throwable {
		return this.handle.invoke(this, index, args);
	}

	/**
	 * Returns the name, type and state of the connection.
	 * @return the description
	 */
	@Override
	public final String toString() {
		return this.handle.describe();
	}

}
