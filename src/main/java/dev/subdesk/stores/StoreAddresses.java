package dev.subdesk.stores;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where the stores module may send its credentials or fetch what it trusts: an {@code https://} address, or an
 * {@code http://} one only to this machine's loopback ({@code 127.0.0.1}, {@code ::1}, {@code localhost}: a local
 * test server). On plain HTTP across a network whoever is on the path could serve their own keys (and forge a store's
 * notifications) or read the credentials (an App Store Connect token, a Google access token or the signed assertion
 * that gets one). A key or certificate read at start may also be a {@code classpath:} or {@code file:} location.
 * Checked once, at start: a configuration that breaks the rule stops it, naming the property.
 */
final class StoreAddresses {

	private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "[::1]", "localhost");

	private StoreAddresses() {
	}

	/** {@code address} where an API is called with credentials; unset (the default address) passes. */
	static void requireEndpoint(String property, @Nullable String address) {
		if (address != null && !address.isBlank()) {
			problem(address.strip()).ifPresent(why -> {
				throw new IllegalArgumentException(property + " must be an https:// address (http:// only to 127.0.0.1, "
						+ "::1 or localhost); it is " + address.strip() + " (" + why + ")");
			});
		}
	}

	/** {@code location} where a key or certificate is read from; unset passes. */
	static void requireLocation(String property, @Nullable String location) {
		if (location != null && !location.isBlank() && !isLocal(location.strip())) {
			problem(location.strip()).ifPresent(why -> {
				throw new IllegalArgumentException(property + " must be an https:// address (http:// only to 127.0.0.1, "
						+ "::1 or localhost), or a classpath: or file: location; it is " + location.strip() + " (" + why
						+ ")");
			});
		}
	}

	/** Whether {@code location} is read from this machine: {@code classpath:} or {@code file:}. */
	static boolean isLocal(String location) {
		String lower = location.toLowerCase(Locale.ROOT);
		return lower.startsWith("classpath:") || lower.startsWith("file:");
	}

	/** Why {@code address} is no https:// address nor an http:// one to the loopback; empty when it is either. */
	private static Optional<String> problem(String address) {
		URI uri;
		try {
			uri = new URI(address);
		}
		catch (URISyntaxException e) {
			return Optional.of("not an address");
		}
		String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
		String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
		if (!scheme.equals("https") && !scheme.equals("http")) {
			return Optional.of("not https://");
		}
		if (host.isEmpty() || uri.getRawUserInfo() != null) {
			return Optional.of("no host, or a user name in it");
		}
		if (scheme.equals("http") && !LOOPBACK.contains(host)) {
			return Optional.of("plain HTTP off this machine");
		}
		return Optional.empty();
	}
}
