package dev.subdesk.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a webhook may go (SSRF rules of shared/API.md): an absolute {@code https://} URL without user-info whose
 * host resolves only to public addresses: no loopback, private (RFC 1918, unique-local {@code fc00::/7}, shared
 * {@code 100.64.0.0/10}), link-local, multicast or unspecified address, in IPv4 or IPv6, an IPv4-mapped or
 * IPv4-compatible IPv6 address judged as the IPv4 address it carries. With {@code allowPrivate} (demo mode, tests)
 * {@code http://} and every address are allowed. Checked when an endpoint is saved and again before every attempt,
 * since a name can resolve elsewhere later.
 */
final class Destinations {

	private final boolean allowPrivate;

	Destinations(boolean allowPrivate) {
		this.allowPrivate = allowPrivate;
	}

	/** Why {@code url} is not a valid endpoint URL (syntax and scheme only); empty when it is. */
	Optional<String> syntaxProblem(String url) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException e) {
			return Optional.of("must be an absolute https:// URL");
		}
		String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
		if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null
				|| !(scheme.equals("https") || allowPrivate && scheme.equals("http"))) {
			return Optional.of(allowPrivate ? "must be an absolute http:// or https:// URL without user-info"
					: "must be an absolute https:// URL without user-info");
		}
		if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
			return Optional.of("its port must be from 1 to 65535");
		}
		return Optional.empty();
	}

	/** Why {@code url} may not be called now (syntax, scheme or an address it resolves to); empty when it may. */
	Optional<String> problem(String url) {
		Optional<String> syntax = syntaxProblem(url);
		if (syntax.isPresent() || allowPrivate) {
			return syntax;
		}
		String host = URI.create(url).getHost();
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		InetAddress[] addresses;
		try {
			addresses = InetAddress.getAllByName(host);
		}
		catch (UnknownHostException e) {
			return Optional.of("its host does not resolve");
		}
		for (InetAddress address : addresses) {
			if (!isPublic(address)) {
				return Optional.of("its host resolves to a loopback, private, link-local or multicast address");
			}
		}
		return Optional.empty();
	}

	/** Whether {@code address} is a public unicast address. */
	static boolean isPublic(InetAddress address) {
		if (address instanceof Inet6Address v6) {
			byte[] b = v6.getAddress();
			if (embedsIpv4(b)) {
				try {
					return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
				}
				catch (UnknownHostException e) {
					return false;
				}
			}
			if ((b[0] & 0xfe) == 0xfc) { // fc00::/7 unique local
				return false;
			}
			if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) { // fec0::/10 deprecated site-local
				return false;
			}
			if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && b[4] == 0
					&& b[5] == 1) { // 64:ff9b:1::/48 local-use NAT64: reaches whatever the network translates it to
				return false;
			}
			if (b[0] == 0x20 && b[1] == 0x01 && (b[2] == 0 && b[3] == 0 // 2001::/32 Teredo, an IPv4 tunnel
					|| (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8)) { // 2001:db8::/32 documentation
				return false;
			}
			if (b[0] == 0x20 && b[1] == 0x02) { // 2002::/16 6to4: judged as the IPv4 address it carries
				try {
					return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 2, 6)));
				}
				catch (UnknownHostException e) {
					return false;
				}
			}
			if (b[0] == 1 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0
					&& b[7] == 0) { // 100::/64 discard-only
				return false;
			}
		}
		if (address instanceof Inet4Address v4) {
			byte[] b = v4.getAddress();
			int first = b[0] & 0xff;
			int second = b[1] & 0xff;
			if (first == 0 || first == 100 && (second & 0xc0) == 64 || first >= 240) { // this network, CGNAT, reserved
				return false;
			}
			int third = b[2] & 0xff;
			if (first == 192 && second == 0 && (third == 0 || third == 2) // IETF protocol assignments, TEST-NET-1
					|| first == 192 && second == 88 && third == 99 // 6to4 relay anycast
					|| first == 198 && (second & 0xfe) == 18 // benchmarking, 198.18.0.0/15
					|| first == 198 && second == 51 && third == 100 // TEST-NET-2
					|| first == 203 && second == 0 && third == 113) { // TEST-NET-3
				return false;
			}
		}
		return !(address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
				|| address.isSiteLocalAddress() || address.isMulticastAddress());
	}

	/** {@code ::ffff:a.b.c.d} (mapped), {@code ::a.b.c.d} (compatible) and {@code 64:ff9b::a.b.c.d} (NAT64). */
	private static boolean embedsIpv4(byte[] b) {
		boolean zeros = true;
		for (int i = 0; i < 10; i++) {
			zeros &= b[i] == 0;
		}
		boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
		boolean compatible = zeros && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
		boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
		for (int i = 4; nat64 && i < 12; i++) {
			nat64 = b[i] == 0;
		}
		return mapped || compatible || nat64;
	}
}
