package io.hacover.core;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks credentials in text that operators read: the user information of URLs
 * ({@code https://user:secret@host} becomes {@code https://******@host}), the values of
 * keys that name a secret ({@code password=}, {@code token=}, {@code api-key:} and the
 * like, as in JDBC URLs and query strings), and the credentials of {@code Authorization}
 * schemes ({@code Bearer ...}, {@code Basic ...}).
 * <p>
 * Used for every error message the library keeps or shows: the last failure of a
 * connection (H18), event text, the actuator endpoint and health details.
 */
final class CredentialMasker {

	/**
	 * What a masked value is replaced with.
	 */
	static final String MASK = "******";

	private static final List<Rule> RULES = List.of(
			new Rule("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\\s@?#]+@", "$1" + MASK + "@"),
			new Rule("(?i)((?:password|passwd|pwd|secret|token|access[_-]?token|api[_-]?key|apikey|credentials?)"
					+ "\\s*[=:]\\s*)[^&;,\\s'\"}]+", "$1" + MASK),
			new Rule("(?i)\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]+", "$1 " + MASK));

	private CredentialMasker() {
	}

	/**
	 * Returns the text with every credential masked.
	 * @param text any text, possibly {@code null}
	 * @return the masked text, {@code null} for {@code null}
	 */
	static String mask(String text) {
		if (text == null) {
			return null;
		}
		String masked = text;
		for (Rule rule : RULES) {
			masked = rule.apply(masked);
		}
		return masked;
	}

	private record Rule(Pattern pattern, String replacement) {

		Rule(String regex, String replacement) {
			this(Pattern.compile(regex), replacement);
		}

		String apply(String text) {
			Matcher matcher = this.pattern.matcher(text);
			return matcher.find() ? matcher.replaceAll(this.replacement) : text;
		}

	}

}
