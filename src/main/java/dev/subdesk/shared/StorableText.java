package dev.subdesk.shared;

import java.util.Arrays;
import java.util.Map;

/**
 * Text PostgreSQL can store as it is: no U+0000 (a {@code text} value cannot hold it) and no surrogate without its
 * pair (it has no UTF-8 form). The API's JSON bodies and the pages' form fields are checked with the same rule, so
 * such input is a {@code 400} before anything is looked up or changed, never a database error.
 */
public final class StorableText {

	private StorableText() {
	}

	/** Whether {@code text} can be stored as it is. */
	public static boolean storable(String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == 0 || Character.isLowSurrogate(c)) {
				return false;
			}
			if (Character.isHighSurrogate(c)) {
				if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
					return false;
				}
				i++;
			}
		}
		return true;
	}

	/**
	 * A remote party's text (an HTTP client's complaint quoting a receiver's answer, a mail server's reply) as it can
	 * be stored and shown on one line: line breaks and tabs become spaces, every other control character (U+0000
	 * among them) and every unpaired surrogate becomes U+FFFD, and it is cut to at most {@code limit} characters,
	 * never between the two halves of a pair. Whatever bytes the party sent, the row that records them is written.
	 */
	public static String excerpt(String text, int limit) {
		StringBuilder out = new StringBuilder(Math.min(text.length(), limit));
		for (int i = 0; i < text.length() && out.length() < limit; i++) {
			char c = text.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
				if (out.length() + 2 > limit) {
					break;
				}
				out.append(c).append(text.charAt(++i));
			}
			else if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B) {
				out.append(' ');
			}
			else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
				out.append('\uFFFD');
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	/**
	 * Refuses a form whose parameters (names or values) cannot be stored: {@code 400 VALIDATION_FAILED}, nothing
	 * done.
	 */
	public static void requireStorable(Map<String, String[]> parameters) {
		boolean bad = parameters.entrySet()
			.stream()
			.anyMatch(p -> !storable(p.getKey()) || Arrays.stream(p.getValue()).anyMatch(v -> !storable(v)));
		if (bad) {
			throw new SubdeskException(CommonErrorCode.VALIDATION_FAILED,
					"A field holds a character that cannot be stored (U+0000 or a broken surrogate pair); nothing was done");
		}
	}
}
