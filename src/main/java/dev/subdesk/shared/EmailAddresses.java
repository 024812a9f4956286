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

	private static final String ATOM = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+";

	private static final String LABEL = "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?";

	private static final Pattern PLAIN = Pattern
		.compile(ATOM + "(?:\\." + ATOM + ")*@" + LABEL + "(?:\\." + LABEL + ")*\\.\\p{L}[\\p{L}\\p{N}-]*");

	private EmailAddresses() {
	}

	/** Whether {@code text}, as it is (not trimmed), is one plain address. */
	public static boolean plain(@Nullable String text) {
		if (text == null || text.length() < 3 || text.length() > MAX_LENGTH) {
			return false;
		}
		int at = text.lastIndexOf('@');
		return at > 0 && at <= 64 && PLAIN.matcher(text).matches();
	}
}
