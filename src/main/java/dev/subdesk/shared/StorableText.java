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
