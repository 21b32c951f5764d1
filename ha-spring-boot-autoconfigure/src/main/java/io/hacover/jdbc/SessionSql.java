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

	private static final Pattern NOT_REPLAYABLE = Pattern.compile(
			"^\\s*(copy|savepoint|release|rollback\\s+to|prepare\\s+transaction)\\b|\\blo_[a-z]+\\s*\\(",
			Pattern.CASE_INSENSITIVE);

	private SessionSql() {
	}

	/**
	 * Returns why a transaction that ran the statement cannot be replayed (J7):
	 * {@code COPY}, savepoints, large objects, two-phase commit.
	 * @param sql the statement, {@code null} if unknown
	 * @return the reason, or {@code null} when nothing in it stops a replay
	 */
	static String notReplayable(String sql) {
		if (sql == null) {
			return null;
		}
		Matcher matcher = NOT_REPLAYABLE.matcher(sql);
		return matcher.find() ? "it ran '" + matcher.group().trim() + "...', which a replay cannot repeat" : null;
	}

	/**
	 * Returns what the statement does to the session.
	 * @param sql the statement, {@code null} if unknown
	 * @return its effect, {@link Effect#NONE} for most statements
	 */
	static Effect classify(String sql) {
		if (sql == null) {
			return Effect.NONE;
		}
		Matcher unrebuildable = UNREBUILDABLE.matcher(sql);
		if (unrebuildable.find()) {
			return new Effect(sql, "'" + unrebuildable.group().trim() + "...'");
		}
		return SETTING.matcher(sql).find() ? new Effect(sql, null) : Effect.NONE;
	}

	/**
	 * Returns how a statement sent as SQL ends a transaction: {@code commit} for
	 * {@code COMMIT} or {@code END} (but not {@code COMMIT PREPARED}, which ends no
	 * transaction of this session), {@code rollback} for {@code ROLLBACK} or
	 * {@code ABORT} (but not {@code ROLLBACK TO} a savepoint, nor
	 * {@code ROLLBACK PREPARED}), {@code null} for any other statement. Allocates
	 * nothing, so that it can be asked of every statement run inside a transaction (J1,
	 * J4).
	 * @param sql the statement, {@code null} if unknown
	 * @return {@code commit}, {@code rollback} or {@code null}
	 */
	static String transactionEnd(String sql) {
		if (sql == null) {
			return null;
		}
		int start = skipSpace(sql, 0);
		if (keywordAt(sql, start, "commit") || keywordAt(sql, start, "end")) {
			int next = skipSpace(sql, start + ((sql.charAt(start) | 0x20) == 'c' ? 6 : 3));
			return keywordAt(sql, next, "prepared") ? null : "commit";
		}
		if (keywordAt(sql, start, "rollback") || keywordAt(sql, start, "abort")) {
			int next = skipSpace(sql, start + ((sql.charAt(start) | 0x20) == 'r' ? 8 : 5));
			return (keywordAt(sql, next, "to") || keywordAt(sql, next, "prepared")) ? null : "rollback";
		}
		return null;
	}

	private static int skipSpace(String sql, int from) {
		int at = from;
		while (at < sql.length() && Character.isWhitespace(sql.charAt(at))) {
			at++;
		}
		return at;
	}

	private static boolean keywordAt(String sql, int at, String keyword) {
		int end = at + keyword.length();
		return sql.regionMatches(true, at, keyword, 0, keyword.length())
				&& (end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_');
	}

	/**
	 * What a statement does to its session.
	 *
	 * @param setting the statement, when it makes a setting that can be made again, or
	 * makes state that cannot; {@code null} otherwise
	 * @param unrebuildable the state that cannot be rebuilt, in words, or {@code null}
	 */
	record Effect(String setting, String unrebuildable) {

		/**
		 * The effect of most statements: none.
		 */
		static final Effect NONE = new Effect(null, null);

	}

}
