package io.hacover.jdbc;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a statement the application ran does to its session, as far as the session must be
 * rebuilt after a reconnect (J6): a setting made in SQL ({@code SET}, {@code RESET},
 * {@code SET ROLE}), which can be run again on a new session, or state that cannot be
 * rebuilt there (temporary tables, session advisory locks, {@code LISTEN}, SQL
 * {@code PREPARE}, {@code WITH HOLD} cursors, {@code set_config(..., false)}).
 */
final class SessionSql {

	private static final Pattern SETTING = Pattern
		.compile("^\\s*(set|reset)\\s+(?!local\\b|transaction\\b|constraints\\b)", Pattern.CASE_INSENSITIVE);

	private static final Pattern UNREBUILDABLE = Pattern
		.compile("\\bcreate\\s+(global\\s+|local\\s+)?temp(orary)?\\s+(table|view|sequence)\\b"
				+ "|\\bpg_advisory_lock(_shared)?\\s*\\(" + "|^\\s*listen\\b|^\\s*prepare\\b|\\bwith\\s+hold\\b"
				+ "|\\bset_config\\s*\\((?s:.*),\\s*false\\s*\\)", Pattern.CASE_INSENSITIVE);

	private SessionSql() {
	}

	/**
	 * Returns whether the statement makes a session setting that can be made again.
	 * @param sql the statement
	 * @return {@code true} for {@code SET} and {@code RESET} of the session
	 */
	static boolean isSetting(String sql) {
		return SETTING.matcher(sql).find();
	}

	/**
	 * Returns what session state the statement makes that cannot be rebuilt, or
	 * {@code null}.
	 * @param sql the statement
	 * @return the state, in words, or {@code null}
	 */
	static String unrebuildable(String sql) {
		Matcher matcher = UNREBUILDABLE.matcher(sql);
		return matcher.find() ? "'" + matcher.group().trim() + "...'" : null;
	}

}
