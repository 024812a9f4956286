package dev.subdesk.intake;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.shared.EmailAddresses;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The "known browser" a sign-in code may be asked for from: a browser that has signed in with an email before keeps a
 * long-lived cookie (the web sets it HttpOnly, Secure, SameSite=Lax, with the {@code __Host-} prefix) that says so,
 * and its requests for codes for that email have an allowance of their own ({@link SignInCodes}), outside the ceiling
 * strangers' requests share. So a stranger who uses up that ceiling from many client addresses does not keep the
 * customer out.
 * <p>
 * The cookie's value is a random browser id, a tag over the id alone (the server made this id), and, for each email
 * the browser signed in with (the newest {@value #MAX_EMAILS}), a tag over the id, the email and the id of the account
 * that had the email then: HMAC-SHA256 (truncated to 128 bits) under a key derived from the key-encryption key
 * ({@link KeyEncryptionKey#derive}: the same on every node and across restarts), all URL-safe base64 without padding,
 * joined by dots. It names no email: only the server can tell which email a tag is for, and only when it is told the
 * email. A tag holds only while the email belongs to the same account: once the account's email changes or the
 * account is closed, the browsers that signed in with it are strangers to whoever has the email next. A value the
 * server did not make, or made for other emails or another account, is no known browser.
 */
@Component
public class KnownBrowsers {

	/**
	 * The cookie's name: {@code __Host-}, so that browsers take it only from a secure answer of this host, for the
	 * whole site and no other domain; a sibling subdomain or a plain-HTTP answer cannot set one of this name.
	 */
	public static final String COOKIE = "__Host-subdesk_known_browser";

	/** How long the cookie is kept: a year. */
	public static final java.time.Duration LIFETIME = java.time.Duration.ofDays(365);

	static final int MAX_EMAILS = 5;

	private static final int ID_BYTES = 16;

	private static final int TAG_BYTES = 16;

	private static final String PART = "[A-Za-z0-9_-]{22}";

	private static final Pattern SHAPE = Pattern.compile(PART + "\\." + PART + "(\\." + PART + "){0," + MAX_EMAILS + "}");

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	/**
	 * The key tags are made with (derived from the current key-encryption key) first, then those derived from the
	 * previous ones ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}): a cookie made before a rotation of the key-encryption
	 * key still holds while its key is listed; when its browser signs in again its id is tagged under the current key
	 * and the email's tag made anew, while its other emails' tags stay as they were (the server cannot tell which
	 * emails they are for) and hold until the previous key is dropped.
	 */
	private final List<SecretKeySpec> keys;

	private final SecureRandom random = new SecureRandom();

	private final JdbcClient jdbc;

	KnownBrowsers(KeyEncryptionKey kek, JdbcClient jdbc) {
		this.keys = kek.derivedKeys("known browsers").stream().map(k -> new SecretKeySpec(k, "HmacSHA256")).toList();
		this.jdbc = jdbc;
	}

	/**
	 * The browser id of the first of {@code cookies} (every value of the cookie the browser sent) that says that its
	 * browser signed in with {@code typedEmail} while account {@code accountId} had it; empty for no account, no
	 * cookie, another email's or account's, or anything the server did not make.
	 */
	public Optional<String> browserFor(String typedEmail, @Nullable String accountId, List<String> cookies) {
		if (accountId == null) {
			return Optional.empty();
		}
		String email = EmailAddresses.key(jdbc, typedEmail.strip());
		for (String cookie : cookies) {
			String[] parts = parts(cookie);
			if (parts.length == 0) {
				continue;
			}
			for (SecretKeySpec key : keys) {
				byte[] expected = ascii(emailTag(key, parts[0], email, accountId));
				for (int i = 2; i < parts.length; i++) {
					if (MessageDigest.isEqual(expected, ascii(parts[i]))) {
						return Optional.of(parts[0]);
					}
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * The cookie's new value after this browser signed in with {@code typedEmail} to account {@code accountId}: the
	 * browser id of the first of its {@code cookies} whose id the server made (its tag holds), with the email's tag
	 * first, then those of the newest other emails; a new id, with this email's tag alone, when none holds.
	 */
	public String remember(String typedEmail, String accountId, List<String> cookies) {
		List<String> parts = new ArrayList<>();
		for (String cookie : cookies) {
			String[] found = parts(cookie);
			if (found.length > 0 && keys.stream()
				.anyMatch(key -> MessageDigest.isEqual(ascii(idTag(key, found[0])), ascii(found[1])))) {
				parts.addAll(List.of(found));
				parts.set(1, idTag(keys.getFirst(), found[0])); // under the current key from now on
				break;
			}
		}
		if (parts.isEmpty()) {
			byte[] id = new byte[ID_BYTES];
			random.nextBytes(id);
			String fresh = ENCODER.encodeToString(id);
			parts.add(fresh);
			parts.add(idTag(keys.getFirst(), fresh));
		}
		String id = parts.removeFirst();
		String ownTag = parts.removeFirst();
		String email = EmailAddresses.key(jdbc, typedEmail.strip());
		String tag = emailTag(keys.getFirst(), id, email, accountId);
		keys.forEach(key -> parts.remove(emailTag(key, id, email, accountId))); // a previous key's tag of this email too
		parts.addFirst(tag);
		List<String> kept = new ArrayList<>();
		kept.add(id);
		kept.add(ownTag);
		kept.addAll(parts.subList(0, Math.min(parts.size(), MAX_EMAILS)));
		return String.join(".", kept);
	}

	/** The cookie's parts, the browser id first, then its own tag; none for a value of another shape. */
	private static String[] parts(@Nullable String cookie) {
		return cookie == null || !SHAPE.matcher(cookie).matches() ? new String[0] : cookie.split("\\.");
	}

	private static byte[] ascii(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}

	private static String idTag(SecretKeySpec key, String browserId) {
		return tag(key, "browser\n" + browserId);
	}

	private static String emailTag(SecretKeySpec key, String browserId, String email, String accountId) {
		return tag(key, "email\n" + browserId + '\n' + email + '\n' + accountId);
	}

	private static String tag(SecretKeySpec key, String message) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			byte[] full = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
			return ENCODER.encodeToString(java.util.Arrays.copyOf(full, TAG_BYTES));
		}
		catch (NoSuchAlgorithmException | InvalidKeyException e) {
			throw new IllegalStateException(e);
		}
	}
}
