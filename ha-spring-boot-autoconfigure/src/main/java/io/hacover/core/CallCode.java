package io.hacover.core;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;

import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

/**
 * Pieces of the method bodies that generated classes share: those of HA connections
 * ({@link ConnectionClassWriter}) and those of the JDBC covers. Public only for the
 * generated classes of other hacover packages; applications do not use it.
 */
public final class CallCode {

	private static final String OBJECT = Type.getInternalName(Object.class);

	private CallCode() {
	}

	/**
	 * Pushes the arguments as an {@code Object[]}, primitives boxed, or {@code null} for
	 * none, from local 1 on.
	 * @param code the method's code
	 * @param parameters the method's parameter types
	 */
	public static void pushArguments(MethodVisitor code, Type[] parameters) {
		if (parameters.length == 0) {
			code.visitInsn(Opcodes.ACONST_NULL);
			return;
		}
		pushInt(code, parameters.length);
		code.visitTypeInsn(Opcodes.ANEWARRAY, OBJECT);
		int slot = 1;
		for (int i = 0; i < parameters.length; i++) {
			Type parameter = parameters[i];
			code.visitInsn(Opcodes.DUP);
			pushInt(code, i);
			code.visitVarInsn(parameter.getOpcode(Opcodes.ILOAD), slot);
			box(code, parameter);
			code.visitInsn(Opcodes.AASTORE);
			slot += parameter.getSize();
		}
	}

	/**
	 * Pushes the method's own parameters, from local 1 on, as they are.
	 * @param code the method's code
	 * @param parameters the method's parameter types
	 */
	public static void pushParameters(MethodVisitor code, Type[] parameters) {
		int slot = 1;
		for (Type parameter : parameters) {
			code.visitVarInsn(parameter.getOpcode(Opcodes.ILOAD), slot);
			slot += parameter.getSize();
		}
	}

	/**
	 * Returns what a generated method throws for {@code error}: the error itself if the
	 * method may throw it, else an {@link UndeclaredThrowableException}, as a JDK proxy
	 * does.
	 * @param method the interface method
	 * @param error the error
	 * @return what to throw
	 */
	public static Throwable declared(Method method, Throwable error) {
		if (error instanceof RuntimeException || error instanceof Error) {
			return error;
		}
		for (Class<?> declared : method.getExceptionTypes()) {
			if (declared.isInstance(error)) {
				return error;
			}
		}
		return new UndeclaredThrowableException(error);
	}

	/**
	 * Returns whether an interface method is one of {@code Object}'s ({@code equals},
	 * {@code hashCode}, {@code toString}), which generated classes leave to their
	 * superclass.
	 * @param method the method
	 * @return {@code true} for a method of {@code Object}
	 */
	public static boolean isObjectMethod(Method method) {
		try {
			Object.class.getMethod(method.getName(), method.getParameterTypes());
			return true;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

	/**
	 * Boxes the primitive on the stack; a reference stays as it is.
	 * @param code the method's code
	 * @param type the type on the stack
	 */
	public static void box(MethodVisitor code, Type type) {
		Type boxed = boxed(type);
		if (boxed != null) {
			code.visitMethodInsn(Opcodes.INVOKESTATIC, boxed.getInternalName(), "valueOf",
					Type.getMethodDescriptor(boxed, type), false);
		}
	}

	/**
	 * Returns an {@code Object} on the stack as the method's return type: unboxed for a
	 * primitive, cast for a reference, dropped for {@code void}.
	 * @param code the method's code
	 * @param returned the method's return type
	 */
	public static void returnFromObject(MethodVisitor code, Type returned) {
		if (returned.getSort() == Type.VOID) {
			code.visitInsn(Opcodes.POP);
			code.visitInsn(Opcodes.RETURN);
			return;
		}
		Type boxed = boxed(returned);
		if (boxed != null) {
			code.visitTypeInsn(Opcodes.CHECKCAST, boxed.getInternalName());
			code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, boxed.getInternalName(), returned.getClassName() + "Value",
					Type.getMethodDescriptor(returned), false);
		}
		else if (!returned.getInternalName().equals(OBJECT)) {
			code.visitTypeInsn(Opcodes.CHECKCAST, returned.getInternalName());
		}
		code.visitInsn(returned.getOpcode(Opcodes.IRETURN));
	}

	/**
	 * Returns the box of a primitive type, or {@code null} for a reference or void.
	 * @param type the type
	 * @return its box, or {@code null}
	 */
	public static Type boxed(Type type) {
		return switch (type.getSort()) {
			case Type.BOOLEAN -> Type.getType(Boolean.class);
			case Type.CHAR -> Type.getType(Character.class);
			case Type.BYTE -> Type.getType(Byte.class);
			case Type.SHORT -> Type.getType(Short.class);
			case Type.INT -> Type.getType(Integer.class);
			case Type.FLOAT -> Type.getType(Float.class);
			case Type.LONG -> Type.getType(Long.class);
			case Type.DOUBLE -> Type.getType(Double.class);
			default -> null;
		};
	}

	/**
	 * Pushes an {@code int} constant.
	 * @param code the method's code
	 * @param value the value
	 */
	public static void pushInt(MethodVisitor code, int value) {
		if (value <= 5) {
			code.visitInsn(Opcodes.ICONST_0 + value);
		}
		else if (value <= Byte.MAX_VALUE) {
			code.visitIntInsn(Opcodes.BIPUSH, value);
		}
		else if (value <= Short.MAX_VALUE) {
			code.visitIntInsn(Opcodes.SIPUSH, value);
		}
		else {
			code.visitLdcInsn(value);
		}
	}

}
