package dev.subdesk.shared;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

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

	private EmailAddresses() {
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
