package io.hacover.jdbc;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.hacover.core.CallCode;
import org.springframework.asm.Type;
import org.springframework.core.NativeDetector;
import org.springframework.core.SpringProperties;

/**
 * The class of one kind of JDBC cover: a subclass of the cover generated for its JDBC
 * interface ({@link CoverClassWriter}) and defined as a hidden class in this package, or,
 * in a native image or when the Spring property {@code hacover.jdk-proxies} is
 * {@code true}, a JDK proxy in front of the cover, as the engine's HA connections do.
 */
final class CoverClass {

	private static final boolean GENERATE = !NativeDetector.inNativeImage()
			&& !SpringProperties.getFlag("hacover.jdk-proxies");

	private final Class<?>[] interfaces;

	private final Method[] methods;

	private final MethodHandle constructor;

	private CoverClass(Class<?>[] interfaces, Method[] methods, MethodHandle constructor) {
		this.interfaces = interfaces;
		this.methods = methods;
		this.constructor = constructor;
	}

	/**
	 * Makes the class of a cover.
	 * @param type the JDBC interface
	 * @param base the cover, with one constructor
	 * @param slow the methods that always take the slow path
	 * @param factory the type the cover's constructor is called with:
	 * {@code (its parameters)} returning the cover
	 * @return the class
	 */
	static CoverClass of(Class<?> type, Class<? extends Cover> base, Predicate<Method> slow, MethodType factory) {
		List<Class<?>> interfaces = new ArrayList<>(List.of(type));
		for (Class<?> extra : base.getInterfaces()) {
			if (extra != java.lang.reflect.InvocationHandler.class) {
				interfaces.add(extra);
			}
		}
		Class<?>[] faces = interfaces.toArray(Class<?>[]::new);
		Method[] methods = methodsOf(type);
		if (!GENERATE) {
			return new CoverClass(faces, methods, null);
		}
		boolean[] slowPath = new boolean[methods.length];
		for (int i = 0; i < methods.length; i++) {
			slowPath[i] = slow.test(methods[i]);
		}
		String name = Type.getInternalName(base) + "$" + type.getSimpleName();
		byte[] bytes = CoverClassWriter.write(name, base, type, methods, slowPath);
		try {
			MethodHandles.Lookup generated = MethodHandles.lookup().defineHiddenClass(bytes, true);
			MethodHandle constructor = generated
				.findConstructor(generated.lookupClass(), factory.changeReturnType(void.class))
				.asType(factory);
			return new CoverClass(faces, methods, constructor);
		}
		catch (IllegalAccessException | NoSuchMethodException ex) {
			throw new IllegalStateException("cannot define the cover class of " + type.getName(), ex);
		}
	}

	/**
	 * Returns the constructor of the generated class, typed as the factory given, or
	 * {@code null} when covers of this class are JDK proxies.
	 * @return the constructor, or {@code null}
	 */
	MethodHandle constructor() {
		return this.constructor;
	}

	/**
	 * Puts a new cover of this class in front of the application: itself when it is of
	 * the generated class, else a JDK proxy with the cover as its handler.
	 * @param cover the cover
	 * @return what the application holds
	 */
	Object expose(Cover cover) {
		Object self = (this.constructor != null) ? cover
				: Proxy.newProxyInstance(CoverClass.class.getClassLoader(), this.interfaces, cover);
		cover.expose(this, self);
		return self;
	}

	/**
	 * Returns a method by the index its generated code passes.
	 * @param index the index
	 * @return the interface method
	 */
	Method method(int index) {
		return this.methods[index];
	}

	/**
	 * Returns what a generated method throws for {@code error}: the error itself if the
	 * method may throw it, else an {@code UndeclaredThrowableException}, as a JDK proxy
	 * does.
	 * @param index the index of the method
	 * @param error the error
	 * @return what to throw
	 */
	Throwable declared(int index, Throwable error) {
		return CallCode.declared(this.methods[index], error);
	}

	/**
	 * Returns the methods of the interface but those of {@code Object}, one per name and
	 * descriptor.
	 */
	private static Method[] methodsOf(Class<?> type) {
		Map<String, Method> methods = new LinkedHashMap<>();
		for (Method method : type.getMethods()) {
			if (!Modifier.isStatic(method.getModifiers()) && !CallCode.isObjectMethod(method)) {
				methods.putIfAbsent(method.getName() + Type.getMethodDescriptor(method), method);
			}
		}
		return methods.values().toArray(Method[]::new);
	}

}
