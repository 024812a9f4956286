package dev.subdesk.channels;

import org.jspecify.annotations.Nullable;

/**
 * Whether a phone number, web address or email sender is one of the vendor's official channels.
 *
 * @param official whether it is
 * @param kind what was checked
 * @param normalized what was compared: the number in E.164, the lower-case ASCII host, the lower-case address
 * @param label the configured label of the matching phone line; null for the others and for a miss
 * @param advice what a person should make of it
 */
public record Verdict(boolean official, Kind kind, String normalized, @Nullable String label, Advice advice) {

	/** What a check was about. */
	public enum Kind {
		PHONE, URL, EMAIL
	}

	/** The advice that goes with a verdict; its English text is the API's {@code advice}, pages translate the name. */
	public enum Advice {

		OFFICIAL_PHONE("This is an official Acme support number."),
		NOT_OFFICIAL_PHONE("This number is not Acme's. Do not call it and never give anyone your card details, a "
				+ "password or remote access; you can cancel yourself online without a phone call."),
		OFFICIAL_URL("This address is on an official Acme site."),
		NOT_OFFICIAL_URL("This address is not on an Acme site, even if it looks like one. Do not sign in or pay there."),
		URL_WITH_USER_INFO("This link hides its real destination behind a user name (the part before '@'); "
				+ "Acme never sends such links. Do not open it."),
		OFFICIAL_EMAIL("This sender address is one of Acme's."),
		NOT_OFFICIAL_EMAIL("This sender is not Acme, whatever name it shows: only the address counts. Do not reply, "
				+ "open attachments or follow its links.");

		private final String english;

		Advice(String english) {
			this.english = english;
		}

		/** The advice in English. */
		public String english() {
			return english;
		}
	}

	/**
	 * What a page may show under its verdict: {@link #normalized()}, except that a sender's local part that is not a
	 * plain one ({@code "Acme refunds: call +1 900-555-0100"@acme.example} is a valid address on Acme's domain) is left
	 * out, so that no text a stranger chose, a phone number say, appears under "Yes, this is an official channel".
	 */
	public String shown() {
		if (kind != Kind.EMAIL) {
			return normalized;
		}
		int at = normalized.lastIndexOf('@');
		return PLAIN_LOCAL_PART.matcher(normalized.substring(0, at)).matches() ? normalized
				: "…" + normalized.substring(at);
	}

	/** RFC 5322's dot-atom: what a mail program shows unquoted. */
	private static final java.util.regex.Pattern PLAIN_LOCAL_PART = java.util.regex.Pattern
		.compile("[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
}
