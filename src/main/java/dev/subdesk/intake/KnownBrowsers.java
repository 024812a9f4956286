package dev.subdesk.intake;

import dev.subdesk.sealing.KeyEncryptionKey;
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
import org.springframework.stereotype.Component;

/**
 * The "known browser" a sign-in code may be asked for from: a browser that has signed in with an email before keeps a
 * long-lived cookie (the web sets it HttpOnly, Secure, SameSite=Lax) that says so, and its requests for codes for that
 * email have an allowance of their own ({@link SignInCodes}), outside the ceiling strangers' requests share. So a
 * stranger who uses up that ceiling from many client addresses does not keep the customer out.
 * <p>
 * The cookie's value is a random browser id and, for each email the browser signed in with (the newest
 * {@value #MAX_EMAILS}), an HMAC-SHA256 tag (truncated to 128 bits) over the id and the email under a key derived from
 * the key-encryption key ({@link KeyEncryptionKey#derive}: the same on every node and across restarts), all URL-safe
 * base64 without padding, joined by dots. It names no email: only the server can tell which email a tag is for, and
 * only when it is told the email. A value the server did not make, or made for other emails, is no known browser.
 */
@Component
public class KnownBrowsers {

	/** The cookie's name. */
	public static final String COOKIE = "subdesk_known_browser";

	/** How long the cookie is kept: a year. */
	public static final java.time.Duration LIFETIME = java.time.Duration.ofDays(365);

	static final int MAX_EMAILS = 5;

	private static final int ID_BYTES = 16;

	private static final int TAG_BYTES = 16;

	private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22}(\\.[A-Za-z0-9_-]{22}){0," + MAX_EMAILS + "}");

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private final SecretKeySpec key;

	private final SecureRandom random = new SecureRandom();

	KnownBrowsers(KeyEncryptionKey kek) {
		this.key = new SecretKeySpec(kek.derive("known browsers"), "HmacSHA256");
	}

	/**
	 * The browser id of {@code cookie} if it says that its browser signed in with {@code typedEmail} before; empty for
	 * no cookie, another email's, or anything the server did not make.
	 */
	public Optional<String> browserFor(String typedEmail, @Nullable String cookie) {
		if (cookie == null || !SHAPE.matcher(cookie).matches()) {
			return Optional.empty();
		}
		String[] parts = cookie.split("\\.");
		byte[] expected = tag(parts[0], SignInCodes.normalize(typedEmail)).getBytes(StandardCharsets.US_ASCII);
		for (int i = 1; i < parts.length; i++) {
			if (MessageDigest.isEqual(expected, parts[i].getBytes(StandardCharsets.US_ASCII))) {
				return Optional.of(parts[0]);
			}
		}
		return Optional.empty();
	}

	/**
	 * The cookie's new value after this browser signed in with {@code typedEmail}: the same browser id as its
	 * {@code cookie} (a new one when it has none, or one the server did not make), with the email's tag first, then
	 * those of the newest other emails.
	 */
	public String remember(String typedEmail, @Nullable String cookie) {
		List<String> parts = new ArrayList<>();
		if (cookie != null && SHAPE.matcher(cookie).matches()) {
			parts.addAll(List.of(cookie.split("\\.")));
		}
		else {
			byte[] id = new byte[ID_BYTES];
			random.nextBytes(id);
			parts.add(ENCODER.encodeToString(id));
		}
		String id = parts.removeFirst();
		String tag = tag(id, SignInCodes.normalize(typedEmail));
		parts.remove(tag);
		parts.addFirst(tag);
		List<String> kept = new ArrayList<>();
		kept.add(id);
		kept.addAll(parts.subList(0, Math.min(parts.size(), MAX_EMAILS)));
		return String.join(".", kept);
	}

	private String tag(String browserId, String email) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			byte[] full = mac.doFinal((browserId + '\n' + email).getBytes(StandardCharsets.UTF_8));
			return ENCODER.encodeToString(java.util.Arrays.copyOf(full, TAG_BYTES));
		}
		catch (NoSuchAlgorithmException | InvalidKeyException e) {
			throw new IllegalStateException(e);
		}
	}
}
