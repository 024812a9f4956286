package dev.subdesk.sealing;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key-encryption key that seals secrets at rest (the entitlement and receipt signing keys, the webhook signing
 * secrets, the stored idempotent answers), and from which the keys of other server-side integrity checks are {@link #derive
 * derived} (the API's list cursors, the known-browser cookies, the erased answers' fingerprints):
 * {@code SUBDESK_ENTITLEMENT_KEK}, base64 of 32 random bytes (AES-256). With an external database it is required and
 * the server refuses to start without it. In demo mode an unset one is derived from a fixed label, which is no secret
 * at all, and a warning says so: demo data is not worth protecting, and a derived key survives restarts of the
 * embedded database. Sealing is AES-GCM with a fresh 12-byte nonce and the owner's id as associated data (the key id,
 * the endpoint id), so a sealed secret cannot be moved to another row.
 * <p>
 * Rotation: {@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS} lists earlier keys (comma-separated, each base64 of 32 bytes).
 * Sealing and new derived values always use the current key; what a previous key sealed still opens (the key is
 * picked by the {@link #id() fingerprint} stored beside the sealed value), and values made under a previous key's
 * derived key still verify ({@link #derivedKeys}). {@link Resealing} moves every sealed row to the current key, after
 * which the previous ones can be dropped from the setting. {@code SUBDESK_ENTITLEMENT_KEK_NEXT} lists keys accepted
 * ahead of time (while the new key rolls out, the nodes still on the old one open what the new ones seal): opened
 * and verified like previous ones, but never re-sealed away from.
 * <p>
 * The server's bean is made by {@link SealingConfiguration}, which checks it against the fleet's record of the key in
 * use ({@link KeyEncryptionKeyInUse}) before any other bean can seal with it.
 */
public class KeyEncryptionKey {

	private static final Logger log = LoggerFactory.getLogger(KeyEncryptionKey.class);

	private static final int NONCE_BYTES = 12;
	private static final int TAG_BITS = 128;

	private final SecretKeySpec key;
	private final String id;
	/**
	 * Every key this server opens with, by id: the current one first, then the previous ones in the setting's order,
	 * then the next ones.
	 */
	private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
	/** {@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}: replaced keys, what they sealed is re-sealed under the current one. */
	private final List<String> previousIds;
	/**
	 * {@code SUBDESK_ENTITLEMENT_KEK_NEXT}: keys accepted ahead of time (step 1 of a rotation with several nodes): what
	 * they sealed opens, nothing is sealed with them and nothing is re-sealed away from them.
	 */
	private final List<String> nextIds;
	private final SecureRandom random = new SecureRandom();

	public KeyEncryptionKey(String configured, String dbUrl) {
		this(configured, "", dbUrl);
	}

	public KeyEncryptionKey(String configured, String previous, String dbUrl) {
		this(configured, previous, "", dbUrl);
	}

	public KeyEncryptionKey(String configured, String previous, String next, String dbUrl) {
		byte[] raw;
		if (configured.isBlank()) {
			if (!dbUrl.isBlank()) {
				throw new IllegalStateException("SUBDESK_ENTITLEMENT_KEK is not set. With an external database "
						+ "(SUBDESK_DB_URL) the key that encrypts the stored signing keys and secrets must be configured: set it "
						+ "to base64 of 32 random bytes (openssl rand -base64 32), keep it apart from the database, and "
						+ "start again.");
			}
			raw = sha256("subdesk demo entitlement key-encryption key".getBytes(StandardCharsets.UTF_8));
			log.warn("Demo mode: SUBDESK_ENTITLEMENT_KEK is not set, so the entitlement and receipt signing keys and webhook "
					+ "secrets are sealed with a key derived from a fixed label, which anyone can derive. Set "
					+ "SUBDESK_ENTITLEMENT_KEK for real use.");
		}
		else {
			raw = decode(configured, "SUBDESK_ENTITLEMENT_KEK");
		}
		this.key = new SecretKeySpec(raw, "AES");
		this.id = idOf(raw);
		keys.put(id, key);
		previousIds = List.copyOf(addKeys(previous, "SUBDESK_ENTITLEMENT_KEK_PREVIOUS", "previous",
				"list only keys that were replaced"));
		nextIds = List.copyOf(addKeys(next, "SUBDESK_ENTITLEMENT_KEK_NEXT", "next",
				"list only the key that is about to become SUBDESK_ENTITLEMENT_KEK"));
		if (!previousIds.isEmpty()) {
			log.info("Key-encryption key {} seals; previous key(s) {} still open what they sealed until it is re-sealed",
					id, previousIds);
		}
		if (!nextIds.isEmpty()) {
			log.info("Key-encryption key {} seals; next key(s) {} open what nodes already running with them seal, and "
					+ "what they seal stays as it is", id, nextIds);
		}
	}

	/** Adds the keys of a comma-separated setting, each checked like the current one; their ids, in order. */
	private List<String> addKeys(String setting, String env, String kind, String onlyWhat) {
		List<String> ids = new ArrayList<>();
		String[] listed = setting.isBlank() ? new String[0] : setting.split(",", -1);
		for (int i = 0; i < listed.length; i++) {
			String name = env + " (key " + (i + 1) + " of " + listed.length + ")";
			if (listed[i].isBlank()) {
				throw new IllegalStateException(name + " is empty: list the " + kind + " keys as base64, separated by "
						+ "commas, with nothing between two commas");
			}
			byte[] raw = decode(listed[i], name);
			String listedId = idOf(raw);
			if (keys.containsKey(listedId)) {
				throw new IllegalStateException(name + " is " + (listedId.equals(id) ? "the current SUBDESK_ENTITLEMENT_KEK"
						: ids.contains(listedId) ? "listed twice" : "also listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS")
						+ " (" + listedId + "): " + onlyWhat);
			}
			keys.put(listedId, new SecretKeySpec(raw, "AES"));
			ids.add(listedId);
		}
		return ids;
	}

	private static byte[] decode(String configured, String name) {
		byte[] raw;
		try {
			raw = Base64.getDecoder().decode(configured.trim());
		}
		catch (IllegalArgumentException e) {
			throw new IllegalStateException(name + " is not base64: set it to base64 of 32 random bytes");
		}
		if (raw.length != 32) {
			throw new IllegalStateException(name + " must be 32 bytes (AES-256), base64; it is " + raw.length + " bytes");
		}
		return raw;
	}

	private static String idOf(byte[] raw) {
		return "kek_" + HexFormat.of().formatHex(sha256(("subdesk kek id:" + Base64.getEncoder().encodeToString(raw))
			.getBytes(StandardCharsets.UTF_8)), 0, 8);
	}

	/** A non-secret fingerprint of this key, stored beside what it sealed, to tell a wrong key from a damaged row. */
	public String id() {
		return id;
	}

	/**
	 * The fingerprints of the previous keys ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}), in the setting's order: the
	 * only keys {@link Resealing} moves rows away from.
	 */
	public List<String> previousIds() {
		return previousIds;
	}

	/**
	 * The fingerprints of the next keys ({@code SUBDESK_ENTITLEMENT_KEK_NEXT}): what they sealed opens and is left as
	 * it is.
	 */
	public List<String> nextIds() {
		return nextIds;
	}

	/** The fingerprints of every key whose sealed values open here: the current one, the previous ones, the next ones. */
	public List<String> openingIds() {
		return List.copyOf(keys.keySet());
	}

	/** Whether {@code kekId} is the current key's, a previous or a next one's: what it sealed opens here. */
	public boolean opens(String kekId) {
		return keys.containsKey(kekId);
	}

	/**
	 * A key for {@code purpose} derived from the current key (HMAC-SHA256 of the purpose under it, so the
	 * key-encryption key itself never leaves this class): the same on every node and across restarts, as long as the
	 * key-encryption key is, and another key for another purpose. What is made now is made with this one.
	 */
	public byte[] derive(String purpose) {
		return derive(key, purpose);
	}

	/**
	 * The key for {@code purpose} derived from the key {@code kekId} names, the current, a previous or a next one; empty for
	 * a key this server does not have.
	 */
	public Optional<byte[]> derive(String purpose, String kekId) {
		SecretKeySpec named = keys.get(kekId);
		return named == null ? Optional.empty() : Optional.of(derive(named, purpose));
	}

	/**
	 * The keys for {@code purpose} derived from the current key (first) and from each previous and next one: what verifies a
	 * value that does not say which key made it (a cursor, a cookie) tries each.
	 */
	public List<byte[]> derivedKeys(String purpose) {
		List<byte[]> derived = new ArrayList<>();
		keys.values().forEach(k -> derived.add(derive(k, purpose)));
		return derived;
	}

	private static byte[] derive(SecretKeySpec from, String purpose) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(from.getEncoded(), "HmacSHA256"));
			return mac.doFinal(("subdesk derived key:" + purpose).getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("HMAC-SHA256 is not available", e);
		}
	}

	/** Nonce, then ciphertext and tag, under the current key ({@link #id()}). */
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

	/**
	 * The plaintext of what {@link #seal} gave for the same associated data under the key {@code sealedBy} names (the
	 * current, a previous or a next one); a key this server does not have, a wrong key, a changed byte or bytes too
	 * short to hold a nonce and a tag throw an {@link IllegalStateException}, which is what callers take for "does not
	 * open" (too short bytes made the cipher's setup throw an {@link IllegalArgumentException}, which escaped them).
	 */
	public byte[] open(byte[] sealed, String associatedData, String sealedBy) {
		SecretKeySpec with = keys.get(sealedBy);
		if (with == null) {
			throw new IllegalStateException("The secret of " + associatedData + " was sealed with another "
					+ "SUBDESK_ENTITLEMENT_KEK (" + sealedBy + ", this server has " + id
					+ (previousIds.isEmpty() ? "" : " and previous " + previousIds)
					+ (nextIds.isEmpty() ? "" : " and next " + nextIds) + "): start the server with the "
					+ "key it was sealed with, as SUBDESK_ENTITLEMENT_KEK or listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS, "
					+ "or rotate the key or secret");
		}
		if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
			throw new IllegalStateException("The secret of " + associatedData + " does not open with "
					+ "SUBDESK_ENTITLEMENT_KEK: its " + sealed.length + " stored bytes are too short to have been sealed "
					+ "(a nonce and a tag take " + (NONCE_BYTES + TAG_BITS / 8) + "), so the row was altered");
		}
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.DECRYPT_MODE, with, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
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

	/** {@link #open Opens} what {@code sealedBy} sealed and seals it again under the current key. */
	public byte[] reseal(byte[] sealed, String associatedData, String sealedBy) {
		byte[] plain = open(sealed, associatedData, sealedBy);
		try {
			return seal(plain, associatedData);
		}
		finally {
			java.util.Arrays.fill(plain, (byte) 0);
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
