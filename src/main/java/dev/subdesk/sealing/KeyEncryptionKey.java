package dev.subdesk.sealing;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The key-encryption key that seals secrets at rest (the entitlement signing keys, the webhook signing secrets), and
 * from which the keys of other server-side integrity checks are {@link #derive derived} (the API's list cursors):
 * {@code SUBDESK_ENTITLEMENT_KEK}, base64 of
 * 32 random bytes (AES-256). With an external database it is required and the server refuses to start without it.
 * In demo mode an unset one is derived from a fixed label, which is no secret at all, and a warning says so: demo
 * data is not worth protecting, and a derived key survives restarts of the embedded database. Sealing is AES-GCM with
 * a fresh 12-byte nonce and the owner's id as associated data (the key id, the endpoint id), so a sealed secret cannot
 * be moved to another row.
 */
@Component
public class KeyEncryptionKey {

	private static final Logger log = LoggerFactory.getLogger(KeyEncryptionKey.class);

	private static final int NONCE_BYTES = 12;
	private static final int TAG_BITS = 128;

	private final SecretKeySpec key;
	private final String id;
	private final SecureRandom random = new SecureRandom();

	public KeyEncryptionKey(@Value("${subdesk.entitlements.kek:}") String configured, @Value("${subdesk.db-url:}") String dbUrl) {
		byte[] raw;
		if (configured.isBlank()) {
			if (!dbUrl.isBlank()) {
				throw new IllegalStateException("SUBDESK_ENTITLEMENT_KEK is not set. With an external database "
						+ "(SUBDESK_DB_URL) the key that encrypts the stored signing keys and secrets must be configured: set it "
						+ "to base64 of 32 random bytes (openssl rand -base64 32), keep it apart from the database, and "
						+ "start again.");
			}
			raw = sha256("subdesk demo entitlement key-encryption key".getBytes(StandardCharsets.UTF_8));
			log.warn("Demo mode: SUBDESK_ENTITLEMENT_KEK is not set, so the entitlement signing keys and webhook secrets are sealed with a key "
					+ "derived from a fixed label, which anyone can derive. Set SUBDESK_ENTITLEMENT_KEK for real use.");
		}
		else {
			try {
				raw = Base64.getDecoder().decode(configured.trim());
			}
			catch (IllegalArgumentException e) {
				throw new IllegalStateException("SUBDESK_ENTITLEMENT_KEK is not base64: set it to base64 of 32 random bytes");
			}
			if (raw.length != 32) {
				throw new IllegalStateException("SUBDESK_ENTITLEMENT_KEK must be 32 bytes (AES-256), base64; it is "
						+ raw.length + " bytes");
			}
		}
		this.key = new SecretKeySpec(raw, "AES");
		this.id = "kek_" + HexFormat.of().formatHex(sha256(("subdesk kek id:" + Base64.getEncoder().encodeToString(raw))
			.getBytes(StandardCharsets.UTF_8)), 0, 8);
	}

	/** A non-secret fingerprint of this key, stored beside what it sealed, to tell a wrong key from a damaged row. */
	public String id() {
		return id;
	}

	/**
	 * A key for {@code purpose} derived from this one (HMAC-SHA256 of the purpose under it, so the key-encryption key
	 * itself never leaves this class): the same on every node and across restarts, as long as the key-encryption key
	 * is, and another key for another purpose.
	 */
	public byte[] derive(String purpose) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
			return mac.doFinal(("subdesk derived key:" + purpose).getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("HMAC-SHA256 is not available", e);
		}
	}

	/** Nonce, then ciphertext and tag. */
	public byte[] seal(byte[] plaintext, String associatedData) {
		byte[] nonce = new byte[NONCE_BYTES];
		random.nextBytes(nonce);
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
			cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
			byte[] sealed = cipher.doFinal(plaintext);
			return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("AES-GCM is not available", e);
		}
	}

	/** The plaintext of what {@link #seal} gave for the same associated data; a wrong key or a changed byte throws. */
	public byte[] open(byte[] sealed, String associatedData, String sealedBy) {
		if (!sealedBy.equals(id)) {
			throw new IllegalStateException("The secret of " + associatedData + " was sealed with another "
					+ "SUBDESK_ENTITLEMENT_KEK (" + sealedBy + ", this server has " + id + "): start the server with the "
					+ "key it was sealed with, or rotate the key or secret");
		}
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
			cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
			return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
		}
		catch (AEADBadTagException e) {
			throw new IllegalStateException("The secret of " + associatedData + " does not open with "
					+ "SUBDESK_ENTITLEMENT_KEK: it was changed or the row was altered", e);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("AES-GCM is not available", e);
		}
	}

	private static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
