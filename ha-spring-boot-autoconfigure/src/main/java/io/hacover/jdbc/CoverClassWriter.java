package io.hacover.jdbc;

import java.lang.reflect.Method;

import io.hacover.core.CallCode;
import org.springframework.asm.ClassWriter;
import org.springframework.asm.Label;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

/**
 * Writes the bytes of a cover class (spring-core's ASM): a final subclass of a
 * {@link Cover} implementing one JDBC interface, with the cover's constructor. Each
 * interface method has this shape:
 *
 * <pre class="code">
 * public R m(int a, long b) {
 *     Object target = direct(index);                 // the driver's object, or null
 *     if (target != null) {
 *         R result;
 *         try {
 *             result = ((I) target).m(a, b);          // a direct interface call
 *         }
 *         catch (Throwable ex) {
 *             return (R) failedPath(index, new Object[] { a, b }, ex);
 *         }
 *         parameter(index, a, b);                     // only for a setter of a parameter by position
 *         return result;
 *     }
 *     return (R) slowPath(index, new Object[] { a, b });
 * }
 * </pre>
 *
 * A method the cover always answers itself has the last line only.
 */
final class CoverClassWriter {

	private static final String COVER = Type.getInternalName(Cover.class);

	private static final String OBJECT = Type.getInternalName(Object.class);

	private CoverClassWriter() {
	}

	/**
	 * Writes the class.
	 * @param name its internal name, in this package
	 * @param base the cover it extends
	 * @param type the interface it implements
	 * @param methods the methods it implements, by index
	 * @param slow for each method, whether it always takes the slow path
	 * @return the class file
	 */
	static byte[] write(String name, Class<? extends Cover> base, Class<?> type, Method[] methods, boolean[] slow) {
		ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {

			@Override
			protected String getCommonSuperClass(String type1, String type2) {
				return OBJECT;
			}

		};
		String superName = Type.getInternalName(base);
		writer.visit(Opcodes.V17, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, name, null, superName,
				new String[] { Type.getInternalName(type) });
		writeConstructor(writer, superName, base.getDeclaredConstructors()[0].getParameterTypes());
		for (int index = 0; index < methods.length; index++) {
			writeMethod(writer, methods[index], index, slow[index]);
		}
		writer.visitEnd();
		return writer.toByteArray();
	}

	private static void writeConstructor(ClassWriter writer, String superName, Class<?>[] parameters) {
		Type[] types = new Type[parameters.length];
		for (int i = 0; i < parameters.length; i++) {
			types[i] = Type.getType(parameters[i]);
		}
		String descriptor = Type.getMethodDescriptor(Type.VOID_TYPE, types);
		MethodVisitor code = writer.visitMethod(0, "<init>", descriptor, null, null);
		code.visitCode();
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushParameters(code, types);
		code.visitMethodInsn(Opcodes.INVOKESPECIAL, superName, "<init>", descriptor, false);
		code.visitInsn(Opcodes.RETURN);
		code.visitMaxs(0, 0);
		code.visitEnd();
	}

	private static void writeMethod(ClassWriter writer, Method method, int index, boolean slow) {
		Type[] parameters = Type.getArgumentTypes(method);
		Type returned = Type.getReturnType(method);
		MethodVisitor code = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, method.getName(),
				Type.getMethodDescriptor(method), null, null);
		code.visitCode();
		if (!slow) {
			writeDirectPath(code, method, index, parameters, returned);
		}
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		CallCode.pushArguments(code, parameters);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, COVER, "slowPath",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.INT_TYPE, Type.getType(Object[].class)),
				false);
		CallCode.returnFromObject(code, returned);
		code.visitMaxs(0, 0);
		code.visitEnd();
	}

	/**
	 * Writes the direct call and its handler; falls through to the slow path when
	 * {@code direct} gives nothing.
	 */
	private static void writeDirectPath(MethodVisitor code, Method method, int index, Type[] parameters,
			Type returned) {
		int target = 1;
		for (Type parameter : parameters) {
			target += parameter.getSize();
		}
		int result = target + 1;
		Label start = new Label();
		Label end = new Label();
		Label failed = new Label();
		Label slow = new Label();
		code.visitTryCatchBlock(start, end, failed, Type.getInternalName(Throwable.class));
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, COVER, "direct",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.INT_TYPE), false);
		code.visitVarInsn(Opcodes.ASTORE, target);
		code.visitVarInsn(Opcodes.ALOAD, target);
		code.visitJumpInsn(Opcodes.IFNULL, slow);
		code.visitVarInsn(Opcodes.ALOAD, target);
		String owner = Type.getInternalName(method.getDeclaringClass());
		code.visitTypeInsn(Opcodes.CHECKCAST, owner);
		CallCode.pushParameters(code, parameters);
		code.visitLabel(start);
		code.visitMethodInsn(Opcodes.INVOKEINTERFACE, owner, method.getName(), Type.getMethodDescriptor(method), true);
		code.visitLabel(end);
		if (isParameterSetter(method)) {
			noteParameter(code, index, parameters[1]);
		}
		code.visitInsn(returned.getOpcode(Opcodes.IRETURN));
		code.visitLabel(failed);
		code.visitVarInsn(Opcodes.ASTORE, result);
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		CallCode.pushArguments(code, parameters);
		code.visitVarInsn(Opcodes.ALOAD, result);
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, COVER, "failedPath",
				Type.getMethodDescriptor(Type.getType(Object.class), Type.INT_TYPE, Type.getType(Object[].class),
						Type.getType(Throwable.class)),
				false);
		CallCode.returnFromObject(code, returned);
		code.visitLabel(slow);
	}

	/**
	 * Whether the method sets a parameter by position:
	 * {@code setX(int position, X value)} returning nothing.
	 * @param method the method
	 * @return {@code true} for a setter of a parameter by position
	 */
	static boolean isParameterSetter(Method method) {
		return method.getName().startsWith("set") && method.getParameterCount() == 2
				&& method.getParameterTypes()[0] == int.class && method.getReturnType() == void.class;
	}

	/**
	 * Calls {@code parameter(index, position, value)}, the value widened to a
	 * {@code long} of its bits when it is a primitive.
	 */
	private static void noteParameter(MethodVisitor code, int index, Type value) {
		code.visitVarInsn(Opcodes.ALOAD, 0);
		CallCode.pushInt(code, index);
		code.visitVarInsn(Opcodes.ILOAD, 1);
		code.visitVarInsn(value.getOpcode(Opcodes.ILOAD), 2);
		Type stored;
		switch (value.getSort()) {
			case Type.LONG -> stored = Type.LONG_TYPE;
			case Type.DOUBLE -> {
				code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
				stored = Type.LONG_TYPE;
			}
			case Type.FLOAT -> {
				code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Float", "floatToRawIntBits", "(F)I", false);
				code.visitInsn(Opcodes.I2L);
				stored = Type.LONG_TYPE;
			}
			case Type.OBJECT, Type.ARRAY -> stored = Type.getType(Object.class);
			default -> {
				code.visitInsn(Opcodes.I2L);
				stored = Type.LONG_TYPE;
			}
		}
		code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, COVER, "parameter",
				Type.getMethodDescriptor(Type.VOID_TYPE, Type.INT_TYPE, Type.INT_TYPE, stored), false);
	}

}
