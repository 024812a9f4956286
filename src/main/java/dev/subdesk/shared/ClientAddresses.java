package dev.subdesk.shared;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The client address as the per-address limits count it: an IPv4 address as it is, an IPv6 address by its /64
 * prefix (one network, which its owner can fill with as many addresses as they like), written
 * {@code 2001:db8:1:2::/64}. This is also all that is kept of an IPv6 address. Used by every per-address limit (the
 * portal's codes, the public forms, the console's sign-in).
 */
public final class ClientAddresses {

	/** Hex digits, colons and dots, with an optional zone: only an address literal, so parsing it never looks up a name. */
	private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\\w.-]+)?");

	private ClientAddresses() {
	}

	public static String key(String address) {
		if (!IPV6_LITERAL.matcher(address).matches()) {
			return address;
		}
		try {
			byte[] bytes = InetAddress.getByName(address).getAddress();
			if (bytes.length != 16) { // an IPv4-mapped address: the IPv4 address
				return InetAddress.getByAddress(bytes).getHostAddress();
			}
			StringBuilder prefix = new StringBuilder();
			for (int i = 0; i < 8; i += 2) {
				prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
			}
			return prefix.append(":/64").toString();
		}
		catch (UnknownHostException e) {
			return address;
		}
	}
}
