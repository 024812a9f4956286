package dev.subdesk.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's check of a Standard Webhooks signature, written from the specification and not from Subdesk's
 * signer: the secret's bytes are the base64 after {@code whsec_}; the signed content is
 * {@code msg_id.timestamp.payload}; the header holds space-separated {@code v1,<base64>} entries, any of which may
 * match; the comparison is constant-time.
 */
final class StandardWebhooksVerifier {

	private StandardWebhooksVerifier() {
	}

	static boolean verifies(String secret, String msgId, String timestamp, String payload, String header) {
		byte[] expected = hmac(secret, msgId + "." + timestamp + "." + payload);
		for (String entry : header.split(" ")) {
			int comma = entry.indexOf(',');
			if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
				continue;
			}
			byte[] given;
			try {
				given = Base64.getDecoder().decode(entry.substring(comma + 1));
			}
			catch (IllegalArgumentException e) {
				continue;
			}
			if (MessageDigest.isEqual(expected, given)) {
				return true;
			}
		}
		return false;
	}

	private static byte[] hmac(String secret, String content) {
		String encoded = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(Base64.getDecoder().decode(encoded), "HmacSHA256"));
			return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
		}
		catch (java.security.GeneralSecurityException e) {
			throw new AssertionError(e);
		}
	}
}
