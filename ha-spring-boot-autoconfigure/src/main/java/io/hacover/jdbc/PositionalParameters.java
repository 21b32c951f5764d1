package io.hacover.jdbc;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

/**
 * The parameters of a statement set by position with a value alone
 * ({@code setInt(1, 42)}), by position: the setter, and the value, a primitive kept as
 * the bits of a {@code long}, so that setting a parameter again allocates nothing. Set
 * again on a statement made anew after a recovery (H27), and copied into the transaction
 * log (J7), where they are boxed.
 */
final class PositionalParameters {

	private Method[] setters = {};

	private long[] bits = {};

	private Object[] values = {};

	/**
	 * Notes a parameter set with a primitive value.
	 * @param setter the setter
	 * @param position the parameter's position, from 1
	 * @param value the value's bits: a {@code long}, the raw bits of a {@code double} or
	 * {@code float}, or 0 and 1 for a {@code boolean}
	 */
	void set(Method setter, int position, long value) {
		int at = slot(setter, position);
		this.bits[at] = value;
		this.values[at] = null;
	}

	/**
	 * Notes a parameter set with a reference.
	 * @param setter the setter
	 * @param position the parameter's position, from 1
	 * @param value the value
	 */
	void set(Method setter, int position, Object value) {
		int at = slot(setter, position);
		this.values[at] = value;
	}

	/**
	 * Notes a parameter from the arguments of its setter: the position and the value,
	 * boxed when primitive.
	 * @param setter the setter
	 * @param args its arguments
	 */
	void set(Method setter, Object[] args) {
		Class<?> type = setter.getParameterTypes()[1];
		int position = (Integer) args[0];
		if (type.isPrimitive()) {
			set(setter, position, bitsOf(type, args[1]));
		}
		else {
			set(setter, position, args[1]);
		}
	}

	/**
	 * Forgets every parameter ({@code clearParameters()}).
	 */
	void clear() {
		Arrays.fill(this.setters, null);
		Arrays.fill(this.values, null);
	}

	/**
	 * Forgets one parameter, set since with more than a value.
	 * @param position its position
	 */
	void clear(int position) {
		if (position >= 1 && position <= this.setters.length) {
			this.setters[position - 1] = null;
			this.values[position - 1] = null;
		}
	}

	/**
	 * Adds the setter calls that set the parameters again.
	 * @param calls where to add them
	 */
	void addTo(List<SessionJournal.Call> calls) {
		for (int at = 0; at < this.setters.length; at++) {
			if (this.setters[at] != null) {
				calls.add(call(at));
			}
		}
	}

	/**
	 * Sets the parameters again on a physical statement.
	 * @param statement the statement
	 * @throws SQLException what a setter threw
	 */
	void applyTo(Statement statement) throws SQLException {
		for (int at = 0; at < this.setters.length; at++) {
			if (this.setters[at] != null) {
				call(at).applyTo(statement);
			}
		}
	}

	/**
	 * Returns the slot of a parameter, made room for, with its setter noted.
	 */
	private int slot(Method setter, int position) {
		if (position > this.setters.length) {
			int length = Math.max(position, this.setters.length * 2);
			this.setters = Arrays.copyOf(this.setters, length);
			this.bits = Arrays.copyOf(this.bits, length);
			this.values = Arrays.copyOf(this.values, length);
		}
		this.setters[position - 1] = setter;
		return position - 1;
	}

	private SessionJournal.Call call(int at) {
		Method setter = this.setters[at];
		Class<?> type = setter.getParameterTypes()[1];
		Object value = type.isPrimitive() ? valueOf(type, this.bits[at]) : this.values[at];
		return new SessionJournal.Call(setter, new Object[] { at + 1, value });
	}

	private static long bitsOf(Class<?> type, Object value) {
		if (type == boolean.class) {
			return ((Boolean) value) ? 1 : 0;
		}
		if (type == char.class) {
			return (Character) value;
		}
		if (type == double.class) {
			return Double.doubleToRawLongBits((Double) value);
		}
		if (type == float.class) {
			return Float.floatToRawIntBits((Float) value);
		}
		return ((Number) value).longValue();
	}

	private static Object valueOf(Class<?> type, long bits) {
		if (type == boolean.class) {
			return bits != 0;
		}
		if (type == char.class) {
			return (char) bits;
		}
		if (type == double.class) {
			return Double.longBitsToDouble(bits);
		}
		if (type == float.class) {
			return Float.intBitsToFloat((int) bits);
		}
		if (type == long.class) {
			return bits;
		}
		if (type == int.class) {
			return (int) bits;
		}
		return (type == short.class) ? (Object) (short) bits : (Object) (byte) bits;
	}

}
