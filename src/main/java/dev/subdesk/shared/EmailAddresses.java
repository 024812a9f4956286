package dev.subdesk.shared;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An email address as Subdesk takes it from anyone (the API, the console, the pages' forms) and sends mail to: one
 * bare mailbox, {@code local@domain.tld}. Nothing a mail header would read as something else is accepted: no display
 * name ({@code Call 555-0199 <someone@example.com>}), no comment, no quoted part, no list of recipients, no route.
 * Otherwise text a stranger typed beside someone's address would reach that person's mailbox in the To: header, and
 * one address could become several recipients.
 */
public final class EmailAddresses {

	/** The longest address a mail path carries (RFC 5321). */
	public static final int MAX_LENGTH = 254;

	/** What to tell whoever typed an address that is not one. */
	public static final String RULE = "must be one email address, local@domain.tld, without spaces, name or brackets";

	/** Letters, digits and the marks that compose letters in many scripts (and ZWNJ, ZWJ, which some need). */
	private static final String WORD = "\\p{L}\\p{M}\\p{N}\\u200C\\u200D";

	private static final String ATOM = "[" + WORD + "!#$%&'*+/=?^_`{|}~-]+";

	private static final String LABEL = "[" + WORD + "_](?:[" + WORD + "_-]*[" + WORD + "_])?";

	private static final Pattern PLAIN = Pattern
		.compile(ATOM + "(?:\\." + ATOM + ")*@" + LABEL + "(?:\\." + LABEL + ")*\\.\\p{L}[" + WORD + "-]*");

	/** What makes a mail header read more than one bare mailbox: names, comments, quotes, routes, lists, spaces. */
	private static final Pattern HEADER_SYNTAX = Pattern.compile("[\\s\\p{Z}\\p{Cc}\\p{Cf}&&[^\\u200C\\u200D]]|[,;:<>()\\[\\]\"\\\\]");

	/**
	 * The one rule by which two addresses are the same one, as SQL over the text column or expression {@code %s}
	 * ({@code String.format} it): trimmed of spaces, in Unicode NFC, then lower-cased by PostgreSQL's builtin
	 * {@code pg_c_utf8} collation (Unicode simple case mapping of every letter, {@code É} to {@code é}, {@code Ä} to
	 * {@code ä}, whatever script). The collation is named, not the database's: under a database whose locale is
	 * {@code C} (a common external set-up) {@code lower()} alone folds ASCII only, and under a libc or ICU locale
	 * it folds by that library's tables. {@code pg_c_utf8} comes with every PostgreSQL 17 and later in a UTF-8
	 * database (docs/DEPLOY.md) and uses PostgreSQL's own Unicode tables, so the rule is the same on every server.
	 * Immutable: the unique index on accounts' addresses is built over it (V414). Java never lower-cases an address
	 * itself (its Unicode tables are those of the JDK, not the database's): it asks {@link #key} or {@link #same}.
	 */
	public static final String SQL_KEY = "lower(normalize(btrim(%s), NFC) COLLATE pg_c_utf8)";

	/** The SQL of the SHA-256, in hex, of the {@link #SQL_KEY} of the text column or expression {@code %s}. */
	public static final String SQL_KEY_HASH = "encode(sha256(convert_to(" + SQL_KEY + ", 'UTF8')), 'hex')";

	private EmailAddresses() {
	}

	/** {@link #SQL_KEY} over {@code expression}. */
	public static String sqlKey(String expression) {
		return SQL_KEY.formatted(expression);
	}

	/** {@link #SQL_KEY_HASH} over {@code expression}. */
	public static String sqlKeyHash(String expression) {
		return SQL_KEY_HASH.formatted(expression);
	}

	/**
	 * An address's key by the rule ({@link #SQL_KEY}): what two addresses that are the same one have in common. An
	 * address of ASCII only is lower-cased here, as the rule would (NFC leaves ASCII alone and the collation maps
	 * {@code A}-{@code Z} to {@code a}-{@code z} only); any other is given by the database.
	 */
	public static String key(JdbcClient jdbc, String email) {
		String trimmed = trimSpaces(email);
		if (ascii(trimmed)) {
			return asciiLower(trimmed);
		}
		return jdbc.sql("SELECT " + sqlKey(":email")).param("email", email).query(String.class).single();
	}

	/** Whether two addresses are the same one by the rule ({@link #SQL_KEY}). */
	public static boolean same(JdbcClient jdbc, @Nullable String a, @Nullable String b) {
		if (a == null || b == null) {
			return false;
		}
		String x = trimSpaces(a);
		String y = trimSpaces(b);
		if (x.equals(y)) {
			return true;
		}
		if (ascii(x) && ascii(y)) {
			return asciiLower(x).equals(asciiLower(y));
		}
		return Boolean.TRUE.equals(jdbc.sql("SELECT " + sqlKey(":a") + " = " + sqlKey(":b"))
			.param("a", a)
			.param("b", b)
			.query(Boolean.class)
			.single());
	}

	/** The SHA-256, in hex, of {@code key} (a {@link #key}): the same as {@link #SQL_KEY_HASH} of its address. */
	public static String keyHash(String key) {
		return Digests.sha256Hex(key);
	}

	/** As SQL {@code btrim(text)}: spaces (U+0020) only, from both ends. */
	private static String trimSpaces(String text) {
		int from = 0;
		int to = text.length();
		while (from < to && text.charAt(from) == ' ') {
			from++;
		}
		while (to > from && text.charAt(to - 1) == ' ') {
			to--;
		}
		return text.substring(from, to);
	}

	private static boolean ascii(String text) {
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) >= 0x80) {
				return false;
			}
		}
		return true;
	}

	private static String asciiLower(String text) {
		char[] chars = text.toCharArray();
		for (int i = 0; i < chars.length; i++) {
			if (chars[i] >= 'A' && chars[i] <= 'Z') {
				chars[i] = (char) (chars[i] + ('a' - 'A'));
			}
		}
		return new String(chars);
	}

	/**
	 * Whether {@code text} would be read by a mail header as one mailbox and nothing else: one {@code @} with something
	 * on each side, and none of the characters that make a name, a comment, a quote, a route or a list. Looser than
	 * {@link #plain}: what mail is sent to (an address stored before the rule was this strict still gets its mail),
	 * and what a form only looks an account up by.
	 */
	public static boolean headerSafe(@Nullable String text) {
		if (text == null || text.length() < 3 || text.length() > MAX_LENGTH) {
			return false;
		}
		int at = text.indexOf('@');
		return at > 0 && at == text.lastIndexOf('@') && at < text.length() - 1 && !HEADER_SYNTAX.matcher(text).find();
	}

	/** Whether {@code text}, as it is (not trimmed), is one plain address: what a new address must be. */
	public static boolean plain(@Nullable String text) {
		if (text == null || text.length() < 3 || text.length() > MAX_LENGTH) {
			return false;
		}
		int at = text.lastIndexOf('@');
		return at > 0 && at <= 64 && PLAIN.matcher(text).matches();
	}
}
