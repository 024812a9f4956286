package dev.subdesk.checkout;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a consent may record of the buyer's client (R-US-2: where the acceptance came from): an address that is an
 * IPv4 or IPv6 literal, read as text and never looked up as a name, and a user agent that is one line of text. A name
 * ({@code localhost}), a made-up word or several lines is no evidence of anything and is refused ({@link Consents#check}).
 * An address is recorded as its literal alone ({@link #address}: without port, brackets or zone); a blank one is none.
 */
public final class ClientEvidence {

	private static final Pattern IPV4 = Pattern
		.compile("(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");

	private static final Pattern BRACKETED = Pattern.compile("\\[([^\\[\\]]+)\\](?::([0-9]{1,5}))?");

	private static final Pattern IPV4_WITH_PORT = Pattern.compile("([0-9.]+):([0-9]{1,5})");

	private static final Pattern ZONED = Pattern.compile("([0-9A-Fa-f:.]+)%[0-9A-Za-z._~%-]+");

	private static final Pattern HEXTET = Pattern.compile("[0-9A-Fa-f]{1,4}");

	private ClientEvidence() {
	}

	/** Whether {@code text} is an IPv4 dotted quad (no leading zeros) or an IPv6 literal (RFC 4291 2.2, no zone). */
	public static boolean isAddressLiteral(String text) {
		return IPV4.matcher(text).matches() || isIpv6(text);
	}

	/**
	 * The address literal {@code text} gives, as clients and proxies write it (RFC 3986 3.2.2, RFC 7239 6, RFC 6874):
	 * surrounding whitespace, an IPv4 address's {@code :port}, an IPv6 address's brackets (with or without a
	 * {@code :port}) and its {@code %zone} (plain or URI-encoded as {@code %25}) are taken away, and what is left must
	 * be an {@linkplain #isAddressLiteral address literal}. Text only, never a name look-up. Empty when it gives none:
	 * a blank, a name, a port out of range, an IPv4 address in brackets or with a zone.
	 */
	public static Optional<String> address(String text) {
		String given = text.strip();
		Matcher bracketed = BRACKETED.matcher(given);
		String host;
		if (bracketed.matches()) {
			if (bracketed.group(2) != null && !isPort(bracketed.group(2))) {
				return Optional.empty();
			}
			host = bracketed.group(1);
		}
		else {
			Matcher withPort = IPV4_WITH_PORT.matcher(given);
			if (withPort.matches()) {
				return isPort(withPort.group(2)) && IPV4.matcher(withPort.group(1)).matches() ? Optional.of(withPort.group(1))
						: Optional.empty();
			}
			host = given;
		}
		Matcher zoned = ZONED.matcher(host);
		String literal = zoned.matches() ? zoned.group(1) : host;
		boolean six = isIpv6(literal);
		if ((zoned.matches() || bracketed.matches()) && !six) {
			return Optional.empty(); // brackets and zones are IPv6's
		}
		return six || IPV4.matcher(literal).matches() ? Optional.of(literal) : Optional.empty();
	}

	private static boolean isPort(String digits) {
		return Integer.parseInt(digits) <= 65535;
	}

	/** Whether {@code text} is one line of text: no control characters (line breaks, tabs, NUL) nor line separators. */
	public static boolean isOneLine(String text) {
		return text.codePoints().noneMatch(ClientEvidence::isBreak);
	}

	private static boolean isBreak(int c) {
		return Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029';
	}

	private static boolean isIpv6(String text) {
		if (text.length() < 2 || text.length() > 45) {
			return false;
		}
		int compressed = text.indexOf("::");
		if (compressed >= 0 && text.indexOf("::", compressed + 1) >= 0) {
			return false;
		}
		int groups;
		if (compressed >= 0) {
			String head = text.substring(0, compressed);
			String tail = text.substring(compressed + 2);
			int h = head.isEmpty() ? 0 : groups(head, false);
			int t = tail.isEmpty() ? 0 : groups(tail, true);
			if (h < 0 || t < 0) {
				return false;
			}
			groups = h + t;
			return groups <= 7;
		}
		groups = groups(text, true);
		return groups == 8;
	}

	/**
	 * The number of 16-bit groups in colon-separated {@code part}, an embedded IPv4 quad (allowed last when
	 * {@code endsTheAddress}) counting two; -1 when a group is malformed.
	 */
	private static int groups(String part, boolean endsTheAddress) {
		String[] pieces = part.split(":", -1);
		int count = 0;
		for (int i = 0; i < pieces.length; i++) {
			String piece = pieces[i];
			if (HEXTET.matcher(piece).matches()) {
				count++;
			}
			else if (endsTheAddress && i == pieces.length - 1 && IPV4.matcher(piece).matches()) {
				count += 2;
			}
			else {
				return -1;
			}
		}
		return count;
	}
}
