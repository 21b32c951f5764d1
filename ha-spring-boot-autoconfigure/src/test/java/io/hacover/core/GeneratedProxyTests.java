package io.hacover.core;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.hacover.testsupport.LineClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests of the classes generated for HA connections ({@link ConnectionClass}): they
 * behave as the JDK proxies they replace, and interfaces no class can be generated for
 * still get a JDK proxy.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GeneratedProxyTests {

	private final HaConnections ha = FastSettings.table();

	@Test
	@DisplayName("an HA connection of public interfaces is an object of a generated class, one class per interface list")
	void publicInterfacesGetAGeneratedClass() {
		Shapes first = this.ha.attach(Shapes.class, new PlainShapes("a"), (context) -> new PlainShapes("b"));
		Shapes second = this.ha.attach(Shapes.class, new PlainShapes("c"), (context) -> new PlainShapes("d"));
		assertThat(Proxy.isProxyClass(first.getClass())).isFalse();
		assertThat(first).isInstanceOf(HaConnection.class);
		assertThat(first.getClass().isHidden()).isTrue();
		assertThat(first.getClass()).isSameAs(second.getClass());
		assertThat(first.getClass().getInterfaces()).containsExactly(Shapes.class);
	}

	@Test
	@DisplayName("H10: arguments and results of every type pass through the generated class unchanged")
	void everyTypePassesThrough() throws SocketException {
		Shapes shapes = this.ha.attach(Shapes.class, new PlainShapes("a"), (context) -> new PlainShapes("b"));
		assertThat(shapes.flip(true)).isFalse();
		assertThat(shapes.next('a')).isEqualTo('b');
		assertThat(shapes.negate((byte) 3)).isEqualTo((byte) -3);
		assertThat(shapes.twice((short) 21)).isEqualTo((short) 42);
		assertThat(shapes.mix(1L, 2, 3.5, 4.5f)).isEqualTo(11.0);
		assertThat(shapes.reversed(new int[] { 1, 2, 3 })).containsExactly(3, 2, 1);
		assertThat(shapes.join("x", 7)).isEqualTo("a:x7");
		shapes.count();
		shapes.count();
		assertThat(shapes.counted()).isEqualTo(2L);
		assertThat(shapes.greeting()).isEqualTo("resource a says hello");
	}

	@Test
	@DisplayName("H10, H14: after a stale error the call is issued again on the recovered resource with the same arguments")
	void staleErrorIsRecoveredAndTheCallIssuedAgain() throws SocketException {
		FailingOnce failing = new FailingOnce();
		Shapes shapes = this.ha.attach(Shapes.class, failing, (context) -> new PlainShapes("fresh"));
		assertThat(shapes.mix(1L, 2, 3.5, 4.5f)).isEqualTo(11.0);
		assertThat(shapes.join("y", 8)).isEqualTo("fresh:y8");
		assertThat(failing.calls).hasValue(1);
		assertThat(this.ha.control(shapes).info().recoveriesSucceeded()).isOne();
		assertThat(this.ha.control(shapes).info().retransmissions()).isOne();
	}

	@Test
	@DisplayName("H10: a method that returns its receiver hands out the HA connection, on the fast and the slow path")
	void receiverIsReplacedByTheConnection() {
		Shapes shapes = this.ha.attach(Shapes.class, new PlainShapes("a"), (context) -> new PlainShapes("b"));
		assertThat(shapes.self()).isSameAs(shapes);
		Shapes recovering = this.ha.attach(Shapes.class, new FailingOnce(), (context) -> new PlainShapes("c"));
		assertThat(recovering.self()).isSameAs(recovering);
	}

	@Test
	@DisplayName("H8: an error that is not stale reaches the caller as the very same object")
	void ordinaryErrorReachesTheCallerUnchanged() {
		IllegalArgumentException error = new IllegalArgumentException("no");
		IOException checked = new IOException("not stale");
		Shapes shapes = this.ha.attach(Shapes.class, new Throwing(error, checked), (context) -> null);
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> shapes.join("x", 1)).isSameAs(error);
		assertThatIOException().isThrownBy(shapes::read).isSameAs(checked);
		assertThat(this.ha.control(shapes).info().recoveriesSucceeded()).isZero();
	}

	@Test
	@DisplayName("a checked exception the method does not declare is wrapped, as a JDK proxy wraps it")
	void undeclaredCheckedExceptionIsWrapped() {
		IOException undeclared = new IOException("sneaky");
		Shapes shapes = this.ha.attach(Shapes.class, new Throwing(undeclared, undeclared), (context) -> null);
		assertThatExceptionOfType(UndeclaredThrowableException.class).isThrownBy(() -> shapes.join("x", 1))
			.withCause(undeclared);
	}

	@Test
	@DisplayName("H7: close() closes this duplicate only; a closed duplicate answers isOpen() with false and fails otherwise")
	void closeClosesTheDuplicate() {
		Shapes shapes = this.ha.attach(Shapes.class, new PlainShapes("a"), (context) -> new PlainShapes("b"));
		Shapes duplicate = this.ha.duplicate(shapes);
		duplicate.close();
		duplicate.close();
		assertThat(this.ha.isHaAware(duplicate)).isFalse();
		assertThat(duplicate.isOpen()).isFalse();
		assertThatIllegalStateException().isThrownBy(() -> duplicate.join("x", 1)).withMessageContaining("closed");
		assertThat(this.ha.isHaAware(shapes)).isTrue();
		assertThat(shapes.isOpen()).isTrue();
		shapes.close();
		assertThat(this.ha.connections()).isEmpty();
	}

	@Test
	@DisplayName("equals and hashCode are those of the object's identity, toString names the connection")
	void objectMethodsAreThoseOfTheJdkProxies() {
		Shapes shapes = this.ha.attach(Attachment.of(Shapes.class, (Shapes) new PlainShapes("a"))
			.name("shapes")
			.recovery((context) -> new PlainShapes("b")));
		Shapes duplicate = this.ha.duplicate(shapes);
		assertThat(shapes).isEqualTo(shapes).isNotEqualTo(duplicate);
		assertThat(shapes.hashCode()).isEqualTo(System.identityHashCode(shapes));
		assertThat(shapes)
			.hasToString("HaConnection[name=shapes, type=" + Shapes.class.getName() + ", state=ATTACHED]");
	}

	@Test
	@DisplayName("a package-private interface of the engine's package gets a generated class too")
	void packagePrivateInterfaceOfTheEnginePackage() throws IOException {
		Probe probe = this.ha.attach(Probe.class, Probe.answering("a"), (context) -> Probe.answering("b"));
		assertThat(probe).isInstanceOf(HaConnection.class);
		assertThat(probe.call("x")).isEqualTo("a:x");
	}

	@Test
	@DisplayName("H1, H7, H25: an interface the engine's class loader cannot see gets a JDK proxy that works the same")
	void interfaceOfAnotherClassLoaderGetsAJdkProxy() throws Exception {
		Class<?> isolated = new IsolatingClassLoader().loadClass(LineClient.class.getName());
		assertThat(isolated).isNotSameAs(LineClient.class);
		AtomicInteger calls = new AtomicInteger();
		Object resource = Proxy.newProxyInstance(isolated.getClassLoader(), new Class<?>[] { isolated },
				(proxy, method, args) -> method.getName().equals("send") ? "sent " + calls.incrementAndGet() : null);
		Object connection = attachUnchecked(isolated, resource);
		assertThat(Proxy.isProxyClass(connection.getClass())).isTrue();
		assertThat(this.ha.isHaAware(connection)).isTrue();
		assertThat(isolated.getMethod("send", String.class).invoke(connection, "x")).isEqualTo("sent 1");
		Object duplicate = this.ha.duplicate(connection);
		assertThat(Proxy.isProxyClass(duplicate.getClass())).isTrue();
		this.ha.close(duplicate);
		assertThat(this.ha.isHaAware(duplicate)).isFalse();
		assertThat(this.ha.control(connection).info().references()).isOne();
		this.ha.close(connection);
		assertThat(this.ha.connections()).isEmpty();
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Object attachUnchecked(Class<?> type, Object resource) {
		return this.ha.attach((Class) type, resource, (context) -> resource);
	}

	/**
	 * The interface of the tests: every kind of parameter and return type, a fluent
	 * method, a default method and {@code close()}.
	 */
	public interface Shapes extends AutoCloseable {

		boolean flip(boolean value);

		char next(char value);

		byte negate(byte value);

		short twice(short value);

		double mix(long a, int b, double c, float d);

		int[] reversed(int[] values);

		String join(String text, Object other) throws SocketException;

		void count();

		long counted();

		Object self();

		boolean isOpen();

		String read() throws IOException;

		default String greeting() {
			return "hello";
		}

		@Override
		void close();

	}

	static class PlainShapes implements Shapes {

		private final String name;

		private long count;

		PlainShapes(String name) {
			this.name = name;
		}

		@Override
		public boolean flip(boolean value) {
			return !value;
		}

		@Override
		public char next(char value) {
			return (char) (value + 1);
		}

		@Override
		public byte negate(byte value) {
			return (byte) -value;
		}

		@Override
		public short twice(short value) {
			return (short) (value * 2);
		}

		@Override
		public double mix(long a, int b, double c, float d) {
			return a + b + c + d;
		}

		@Override
		public int[] reversed(int[] values) {
			int[] reversed = new int[values.length];
			for (int i = 0; i < values.length; i++) {
				reversed[i] = values[values.length - 1 - i];
			}
			return reversed;
		}

		@Override
		public String join(String text, Object other) throws SocketException {
			return this.name + ":" + text + other;
		}

		@Override
		public void count() {
			this.count++;
		}

		@Override
		public long counted() {
			return this.count;
		}

		@Override
		public Object self() {
			return this;
		}

		@Override
		public boolean isOpen() {
			return true;
		}

		@Override
		public String read() throws IOException {
			return this.name;
		}

		@Override
		public String greeting() {
			return "resource " + this.name + " says hello";
		}

		@Override
		public void close() {
		}

	}

	/**
	 * Fails its first call with a stale error, then works.
	 */
	static final class FailingOnce extends PlainShapes {

		final AtomicInteger calls = new AtomicInteger();

		FailingOnce() {
			super("failing");
		}

		@Override
		public double mix(long a, int b, double c, float d) {
			failFirst();
			return super.mix(a, b, c, d);
		}

		@Override
		public Object self() {
			failFirst();
			return this;
		}

		private void failFirst() {
			if (this.calls.incrementAndGet() == 1) {
				throw new IllegalStateException("stale", new SocketException("connection reset"));
			}
		}

	}

	/**
	 * Throws what it was given: {@code join} throws {@code unchecked} or, if it is
	 * checked, throws it although the method does not declare it.
	 */
	static final class Throwing extends PlainShapes {

		private final Exception fromJoin;

		private final IOException fromRead;

		Throwing(Exception fromJoin, IOException fromRead) {
			super("throwing");
			this.fromJoin = fromJoin;
			this.fromRead = fromRead;
		}

		@Override
		public String join(String text, Object other) {
			throw Throwing.<RuntimeException>sneaky(this.fromJoin);
		}

		@Override
		public String read() throws IOException {
			throw this.fromRead;
		}

		@SuppressWarnings("unchecked")
		private static <E extends Exception> E sneaky(Exception exception) throws E {
			throw (E) exception;
		}

	}

	/**
	 * Loads the named classes itself, so that they are other classes than the ones of the
	 * same name that the engine's class loader sees.
	 */
	static final class IsolatingClassLoader extends ClassLoader {

		private final String isolated;

		IsolatingClassLoader() {
			this(LineClient.class.getName());
		}

		IsolatingClassLoader(String isolated) {
			super(GeneratedProxyTests.class.getClassLoader());
			this.isolated = isolated;
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (!name.equals(this.isolated)) {
				return super.loadClass(name, resolve);
			}
			Class<?> loaded = findLoadedClass(name);
			if (loaded != null) {
				return loaded;
			}
			try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
				byte[] bytes = in.readAllBytes();
				return defineClass(name, bytes, 0, bytes.length);
			}
			catch (IOException ex) {
				throw new ClassNotFoundException(name, ex);
			}
		}

	}

}
