package io.hacover.core;

import java.lang.reflect.Method;

import org.springframework.asm.ClassWriter;
import org.springframework.asm.Label;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

/**
 * Writes the bytes of a class of HA connections (spring-core's ASM): a final subclass of
 * {@link HaConnection} implementing the interfaces. Each interface method does what
 * {@link ConnectionProxy#invoke(Object, java.lang.reflect.Method, Object[])} does, in
 * this shape:
 *
 * <pre class="code">
 * public R m(A a, B b) {
 *     Object current = haEnter();                     // two volatile reads; null if closed
 *     if (current != null) {
 *         I resource = (I) haResource(current);
 *         R result;
 *         try {
 *             result = resource.m(a, b);              // a direct interface call
 *         }
 *         catch (Throwable ex) {                      // the slow path: classify, recover, re-issue
 *             return (R) haFailed(index, current, new Object[] { a, b }, ex);
 *         }
 *         return (result == haResource(current)) ? this : result;  // for fluent methods
 *     }
 *     return (R) haInvoke(index, new Object[] { a, b });  // a closed duplicate
 * }
 * </pre>
 *
 * {@code close()} of a closeable connection always takes the last line. Arguments are
 * boxed only on the slow paths, and {@code null} is passed for no arguments, as JDK
 * proxies do.
 */
final class ConnectionClassWriter {

	private static final String BASE = Type.getInternalName(HaConnection.class);

	private static final String OBJECT = Type.getInternalName(Object.class);

	private ConnectionClassWriter() {
	}

	/**
	 * Writes the class.
	 * @param name the internal name of the class, in the package it is defined in
	 * @param interfaces the interfaces it implements
	 * @param methods the methods it implements; a method's index in this array is the one
	 * its code passes to the handle
	 * @param closeable whether a {@code close()} method closes the connection
	 * @return the class file
	 */
	static byte[] write(String name, Class<?>[] interfaces, Method[] methods, boolean closeable) {
		ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {

			@Override
			protected String getCommonSuperClass(String type1, String type2) {
				// The code written here never merges two reference types in one frame
				// slot; this keeps ASM from loading classes by name.
				return OBJECT;
			}

		};
		String[] names = new String[interfaces.length];
		for (int i = 0; i < interfaces.length; i++) {
			names[i] = Type.getInternalName(interfaces[i]);
		}
		writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
				name, null, BASE, names);
		writeConstructor(writer);
		for (int index = 0; index < methods.length; index++) {
			Method method = methods[index];
			boolean close = closeable && method.getParameterCount() == 0 && method.getName().equals("close");
			writeMethod(writer, method, index, close, interfaces);
		}
		writer.visitEnd();
		return writer.toByteArray();
	}

	private static void writeConstructor(ClassWriter writer) {
		String descriptor = Type.getMethodDescriptor(Type.VOID_TYPE, Type.getType(Object.class));
		MethodVisitor code = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", descriptor, null, null);
		code.visitCode();
		code.visitVarInsn(Opcodes.ALOAD, 0);
		code.visitVarInsn(Opcodes.ALOAD, 1);
		code.visitMethodInsn(Opcodes.INVOKESPECIAL, BASE, "<init>", descriptor, false);
		code.visitInsn(Opcodes.RETURN);
		code.visitMaxs(0, 0);
		code.visitEnd();
	}

	private static void writeMethod(ClassWriter writer, Method method, int index, boolean close,
			Class<?>[] interfaces) {
		Type[] parameters = Type.getArgumentTypes(method);
		Type returned = Type.getReturnType(method);
		MethodVisitor code = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, method.getName(),
				Type.getMethodDescriptor(method), null, null);
		int current = 1;
		for (Type parameter : parameters) {
			current += parameter.getSize();
		}
		int result = current + 1;
		code.visitCode();
		if (!close) {
			writeFastPath(code, method, index, parameters, returned, current, result,
					returnsReceiver(method, interfaces));
		}
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		CallCode.pushArguments(code, parameters);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BASE, "haInvoke",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.INT_TYPE, Type.getType(Object[].class)),
				false);
		CallCode.returnFromObject(code, returned);
		code.visitMaxs(0, 0);
		code.visitEnd();
	}

	/**
	 * Writes the open duplicate's path: the direct call and its handler. Falls through to
	 * the closed duplicate's path when {@code enter()} returns {@code null}.
	 */
	private static void writeFastPath(MethodVisitor code, Method method, int index, Type[] parameters, Type returned,
			int current, int result, boolean mapReceiver) {
		Label start = new Label();
		Label end = new Label();
		Label failed = new Label();
		Label closed = new Label();
		code.visitTryCatchBlock(start, end, failed, Type.getInternalName(Throwable.class));
		code.visitVarInsn(Opcodes.ALOAD, 0);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BASE, "haEnter",
				Type.getMethodDescriptor(Type.getType(Object.class)), false);
		code.visitVarInsn(Opcodes.ASTORE, current);
		code.visitVarInsn(Opcodes.ALOAD, current);
		code.visitJumpInsn(Opcodes.IFNULL, closed);
		loadResource(code, current);
		String owner = Type.getInternalName(method.getDeclaringClass());
		code.visitTypeInsn(Opcodes.CHECKCAST, owner);
		CallCode.pushParameters(code, parameters);
		code.visitLabel(start);
		code.visitMethodInsn(Opcodes.INVOKEINTERFACE, owner, method.getName(), Type.getMethodDescriptor(method), true);
		code.visitLabel(end);
		if (mapReceiver) {
			Label notReceiver = new Label();
			code.visitVarInsn(Opcodes.ASTORE, result);
			code.visitVarInsn(Opcodes.ALOAD, result);
			loadResource(code, current);
			code.visitJumpInsn(Opcodes.IF_ACMPNE, notReceiver);
			code.visitVarInsn(Opcodes.ALOAD, 0);
			code.visitInsn(Opcodes.ARETURN);
			code.visitLabel(notReceiver);
			code.visitVarInsn(Opcodes.ALOAD, result);
		}
		code.visitInsn(returned.getOpcode(Opcodes.IRETURN));
		code.visitLabel(failed);
		code.visitVarInsn(Opcodes.ASTORE, result);
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		code.visitVarInsn(Opcodes.ALOAD, current);
		CallCode.pushArguments(code, parameters);
		code.visitVarInsn(Opcodes.ALOAD, result);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BASE, "haFailed",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.INT_TYPE, Type.getType(Object.class),
						Type.getType(Object[].class), Type.getType(Throwable.class)),
				false);
		CallCode.returnFromObject(code, returned);
		code.visitLabel(closed);
	}

	private static void loadResource(MethodVisitor code, int current) {
		code.visitVarInsn(Opcodes.ALOAD, current);
		code.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, "haResource",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.getType(Object.class)), false);
	}

	/**
	 * Whether the method may return its receiver, which must then be replaced by the HA
	 * connection: its return type is {@code Object} or an interface the connection
	 * implements.
	 */
	private static boolean returnsReceiver(Method method, Class<?>[] interfaces) {
		Class<?> type = method.getReturnType();
		if (type == Object.class) {
			return true;
		}
		for (Class<?> implemented : interfaces) {
			if (type.isAssignableFrom(implemented)) {
				return true;
			}
		}
		return false;
	}

}
