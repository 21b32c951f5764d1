package io.hacover.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.asm.Type;
import org.springframework.core.NativeDetector;
import org.springframework.core.SpringProperties;

/**
 * The class of the HA connections that implement one list of interfaces.
 * <p>
 * Where it can, a class is generated for the list ({@link ConnectionClassWriter}) and
 * defined as a hidden class next to the engine: each of its methods reads the record's
 * current resource (two volatile reads: the duplicate's closed flag and the record's
 * resource) and calls it directly, and only a throwable leaves that path. Its calls
 * neither box nor allocate. That takes interfaces the engine's class loader sees, public
 * (or package-private in the package the class is defined in: {@code io.hacover.core}, or
 * the package of the lookup an {@link Attachment#generatedIn attachment} gives), not
 * sealed, whose methods are declared in such interfaces and use only types the engine's
 * class loader sees, and are not named as {@link HaConnection}'s own. For any other list,
 * in a native image, or when the Spring property {@value #JDK_PROXIES_PROPERTY} is
 * {@code true}, the class is a JDK dynamic proxy class whose invocation handler is the
 * {@link ConnectionProxy}.
 * <p>
 * Classes are kept per list of interfaces when the engine's class loader sees them all,
 * so that the table never holds on to the classes of another class loader.
 */
final class ConnectionClass {

	/**
	 * The Spring property ({@link SpringProperties}: a system property or an entry of
	 * {@code spring.properties}) that makes every HA connection a JDK dynamic proxy.
	 */
	static final String JDK_PROXIES_PROPERTY = "hacover.jdk-proxies";

	private static final ClassLoader ENGINE_LOADER = ConnectionClass.class.getClassLoader();

	private static final boolean GENERATE = !NativeDetector.inNativeImage()
			&& !SpringProperties.getFlag(JDK_PROXIES_PROPERTY);

	private static final ConcurrentMap<List<Object>, ConnectionClass> known = new ConcurrentHashMap<>();

	private static final List<String> OWN_METHODS = List.of("haEnter", "haResource", "haFailed", "haInvoke");

	final boolean closeable;

	final boolean publicInterfaces;

	private final Class<?>[] interfaces;

	private final ClassLoader proxyLoader;

	private final Method[] methods;

	private final MethodHandle constructor;

	private ConnectionClass(Class<?>[] interfaces, ClassLoader proxyLoader, Method[] methods,
			MethodHandle constructor) {
		this.interfaces = interfaces;
		this.proxyLoader = proxyLoader;
		this.methods = methods;
		this.constructor = constructor;
		this.closeable = closeable(interfaces);
		boolean allPublic = true;
		for (Class<?> type : interfaces) {
			allPublic &= Modifier.isPublic(type.getModifiers());
		}
		this.publicInterfaces = allPublic;
	}

	/**
	 * Returns the class of the HA connections that implement the interfaces.
	 * @param interfaces the interfaces, the connection's type first
	 * @param home the lookup of the package to generate the class in, with full
	 * privileges, or {@code null} for the engine's own
	 * @return the class
	 */
	static ConnectionClass of(Class<?>[] interfaces, MethodHandles.Lookup home) {
		MethodHandles.Lookup lookup = (home != null) ? home : MethodHandles.lookup();
		List<Object> key = new ArrayList<>(List.of(interfaces));
		key.add(lookup.lookupClass().getPackageName());
		ConnectionClass existing = known.get(key);
		if (existing != null) {
			return existing;
		}
		if (!seesAll(ENGINE_LOADER, interfaces)) {
			return jdkProxy(interfaces);
		}
		Method[] methods = GENERATE ? methodsOf(interfaces, lookup.lookupClass()) : null;
		ConnectionClass made = (methods != null) ? generate(interfaces, methods, lookup) : jdkProxy(interfaces);
		existing = known.putIfAbsent(List.copyOf(key), made);
		return (existing != null) ? existing : made;
	}

	/**
	 * Makes an HA connection of this class.
	 * @param handle its handle
	 * @return the HA connection
	 */
	Object newInstance(ConnectionProxy<?> handle) {
		if (this.constructor == null) {
			return Proxy.newProxyInstance(this.proxyLoader, this.interfaces, handle);
		}
		try {
			return (Object) this.constructor.invokeExact(handle);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new UndeclaredThrowableException(ex);
		}
	}

	/**
	 * Returns a method of a generated class by the index its code passes.
	 * @param index the index
	 * @return the interface method
	 */
	Method method(int index) {
		return this.methods[index];
	}

	/**
	 * Returns what a generated method throws for {@code error}: the error itself if the
	 * method may throw it, else an {@link UndeclaredThrowableException}, as a JDK proxy
	 * does.
	 * @param index the index of the method
	 * @param error the error
	 * @return what to throw
	 */
	Throwable declared(int index, Throwable error) {
		return CallCode.declared(this.methods[index], error);
	}

	private static ConnectionClass jdkProxy(Class<?>[] interfaces) {
		return new ConnectionClass(interfaces, loaderFor(interfaces), null, null);
	}

	private static ConnectionClass generate(Class<?>[] interfaces, Method[] methods, MethodHandles.Lookup lookup) {
		String name = lookup.lookupClass().getPackageName().replace('.', '/') + "/HaConnection$"
				+ interfaces[0].getSimpleName();
		byte[] bytes = ConnectionClassWriter.write(name, interfaces, methods, closeable(interfaces));
		for (Method method : methods) {
			if (!Modifier.isPublic(method.getDeclaringClass().getModifiers())) {
				// Issued again by reflection from the engine's package (H10).
				method.setAccessible(true);
			}
		}
		try {
			MethodHandles.Lookup generated = lookup.defineHiddenClass(bytes, true);
			MethodHandle constructor = generated
				.findConstructor(generated.lookupClass(), MethodType.methodType(void.class, Object.class))
				.asType(MethodType.methodType(Object.class, ConnectionProxy.class));
			return new ConnectionClass(interfaces, null, methods, constructor);
		}
		catch (IllegalAccessException | NoSuchMethodException ex) {
			throw new IllegalStateException("cannot define the HA connection class of " + List.of(interfaces), ex);
		}
	}

	/**
	 * Returns the methods a generated class implements: those of the interfaces but
	 * {@code equals}, {@code hashCode} and {@code toString}, one per name and descriptor
	 * (the first interface that has it wins, as for JDK proxies); or {@code null} if no
	 * class can be generated for the interfaces in the package of {@code home}.
	 */
	private static Method[] methodsOf(Class<?>[] interfaces, Class<?> home) {
		for (Class<?> type : interfaces) {
			if (!accessible(type, home) || type.isSealed() || type.isHidden()) {
				return null;
			}
		}
		Map<String, Method> methods = new LinkedHashMap<>();
		for (Class<?> type : interfaces) {
			for (Method method : type.getMethods()) {
				if (Modifier.isStatic(method.getModifiers()) || CallCode.isObjectMethod(method)) {
					continue;
				}
				if (!accessible(method.getDeclaringClass(), home) || !resolvable(method, home)
						|| OWN_METHODS.contains(method.getName())) {
					return null;
				}
				methods.putIfAbsent(method.getName() + Type.getMethodDescriptor(method), method);
			}
		}
		return new ArrayList<>(methods.values()).toArray(Method[]::new);
	}

	/**
	 * Whether the generated class, in the package of {@code home} and the engine's class
	 * loader, may name the type: public, or package-private in the same package and class
	 * loader.
	 */
	private static boolean accessible(Class<?> type, Class<?> home) {
		Class<?> element = elementOf(type);
		return element.isPrimitive() || Modifier.isPublic(element.getModifiers())
				|| (element.getClassLoader() == ENGINE_LOADER
						&& element.getPackageName().equals(home.getPackageName()));
	}

	/**
	 * Whether every type of the method's signature is the same class seen from the
	 * engine's class loader, and its return type may be named (a generated method casts
	 * to it).
	 */
	private static boolean resolvable(Method method, Class<?> home) {
		List<Class<?>> types = new ArrayList<>(List.of(method.getParameterTypes()));
		types.add(method.getReturnType());
		types.add(method.getDeclaringClass());
		for (Class<?> type : types) {
			Class<?> element = elementOf(type);
			if (!element.isPrimitive() && !seesAll(ENGINE_LOADER, new Class<?>[] { element })) {
				return false;
			}
		}
		return accessible(method.getReturnType(), home);
	}

	private static Class<?> elementOf(Class<?> type) {
		Class<?> element = type;
		while (element.isArray()) {
			element = element.getComponentType();
		}
		return element;
	}

	private static boolean closeable(Class<?>[] interfaces) {
		for (Class<?> type : interfaces) {
			if (AutoCloseable.class.isAssignableFrom(type)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Returns a class loader that sees every interface: a JDK type such as
	 * {@code java.sql.Connection} comes from a loader that cannot see the application's
	 * own.
	 */
	static ClassLoader loaderFor(Class<?>[] interfaces) {
		for (Class<?> candidate : interfaces) {
			ClassLoader loader = candidate.getClassLoader();
			if (loader != null && seesAll(loader, interfaces)) {
				return loader;
			}
		}
		return ENGINE_LOADER;
	}

	private static boolean seesAll(ClassLoader loader, Class<?>[] types) {
		for (Class<?> type : types) {
			try {
				if (Class.forName(type.getName(), false, loader) != type) {
					return false;
				}
			}
			catch (ClassNotFoundException ex) {
				return false;
			}
		}
		return true;
	}

}
