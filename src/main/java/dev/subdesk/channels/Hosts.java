package dev.subdesk.channels;

import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Host names as a browser or a mail server resolves them: percent-decoded, mapped to ASCII by IDNA
 * ({@link IDN#toASCII}: full-width letters and ideographic full stops become ASCII, other scripts become
 * {@code xn--} labels), lower-case, without a trailing dot. Two spellings of one host normalise to the same
 * text; a look-alike never normalises to an official host.
 */
final class Hosts {

	private Hosts() {
	}

	/**
	 * The normal form of a host name, or empty when it is not one (an IP literal included). A name this mapping would
	 * read otherwise than a browser does is given back as it was written (lower case), never ASCII: it is nobody's
	 * official host. That is one with a character IDNA 2003 maps where today's browsers keep it (ß, final sigma, the
	 * zero-width joiners: {@code aßist.example} is not {@code assist.example} in a browser), or with a character newer
	 * than the mapping knows.
	 */
	static Optional<String> normalize(String host) {
		String decoded = percentDecode(host);
		if (decoded == null || decoded.isEmpty()) {
			return Optional.empty();
		}
		if (DEVIATIONS.matcher(decoded).find()) {
			return asWritten(decoded);
		}
		String ascii;
		try {
			ascii = IDN.toASCII(decoded, IDN.USE_STD3_ASCII_RULES);
		}
		catch (IllegalArgumentException e) {
			return decoded.chars().allMatch(c -> c < 0x80) ? Optional.empty() : asWritten(decoded);
		}
		ascii = ascii.toLowerCase(Locale.ROOT);
		if (ascii.endsWith(".")) {
			ascii = ascii.substring(0, ascii.length() - 1);
		}
		if (ascii.isEmpty() || ascii.startsWith(".") || ascii.contains("..") || ascii.length() > 253) {
			return Optional.empty();
		}
		return Optional.of(ascii);
	}

	/** The characters IDNA 2003 maps (or drops) where browsers, following UTS 46 non-transitional, keep them. */
	private static final java.util.regex.Pattern DEVIATIONS = java.util.regex.Pattern.compile("[\u00DF\u03C2\u200C\u200D]");

	private static Optional<String> asWritten(String decoded) {
		String lower = decoded.toLowerCase(Locale.ROOT);
		return Optional.of(lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower);
	}

	/** Whether a normal form is a name as written, for which no ASCII form that a browser would agree with exists. */
	static boolean writtenOnly(String normalized) {
		return !normalized.chars().allMatch(c -> c < 0x80);
	}

	/** Whether {@code host} is one of {@code domains} or a subdomain of one (both normalised). */
	static boolean within(String host, List<String> domains) {
		return domains.stream().anyMatch(domain -> host.equals(domain) || host.endsWith("." + domain));
	}

	/** {@code %XX} sequences decoded as UTF-8; null when they are malformed or not UTF-8. */
	private static @Nullable String percentDecode(String text) {
		if (text.indexOf('%') < 0) {
			return text;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		int i = 0;
		while (i < text.length()) {
			int percent = text.indexOf('%', i);
			int end = percent < 0 ? text.length() : percent;
			bytes.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
			if (percent < 0) {
				break;
			}
			if (percent + 2 >= text.length()) {
				return null;
			}
			int high = hex(text.charAt(percent + 1));
			int low = hex(text.charAt(percent + 2));
			if (high < 0 || low < 0) {
				return null;
			}
			bytes.write(high * 16 + low);
			i = percent + 3;
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException e) {
			return null;
		}
	}

	private static int hex(char c) {
		return c < 128 ? Character.digit(c, 16) : -1;
	}
}
