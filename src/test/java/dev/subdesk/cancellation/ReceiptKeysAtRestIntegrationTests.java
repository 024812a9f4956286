package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The receipt signing key's private half is not stored in the clear: a copy of the database (a backup) cannot sign
 * receipts. The row holds it sealed under the key-encryption key, and the receipts it signs verify as before.
 */
class ReceiptKeysAtRestIntegrationTests extends ApiIntegrationTest {

	/** The PKCS#8 prefix of an Ed25519 private key (RFC 8410): what follows it is the 32-byte seed. */
	static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");

	@Autowired
	JdbcClient jdbc;

	@Autowired
	KeyEncryptionKey kek;

	@Test
	void afterAReceiptIsIssuedItsSigningKeyIsStoredSealedAndNowhereInTheClear() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String number = fixtures.cancel(sub, "IMMEDIATE").text("confirmationNumber");
		Api.Response receipt = api.get("/cancellations/" + number + "/receipt");
		assertThat(receipt.status()).as(receipt.toString()).isEqualTo(200);
		String keyId = receipt.text("keyId");

		Map<String, Object> row = jdbc.sql("SELECT * FROM receipt_keys WHERE key_id = :id")
			.param("id", keyId)
			.query()
			.singleRow();
		assertThat(row.get("private_key")).as("the plain private key column of %s", keyId).isNull();
		byte[] sealed = (byte[]) row.get("sealed_private_key");
		assertThat(sealed).as("nonce, sealed 32-byte seed, tag").hasSize(12 + 32 + 16);
		assertThat(row.get("kek_id")).isEqualTo(kek.id());

		// the sealed value is this key's: it opens, with the key id, to the seed of the published public key
		byte[] seed = kek.open(sealed, keyId, kek.id());
		byte[] publicKey = (byte[]) row.get("public_key");
		assertThat(new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded()).isEqualTo(publicKey);
		byte[] pkcs8 = concat(PKCS8_PREFIX, seed);
		for (Map.Entry<String, Object> column : row.entrySet()) {
			byte[] stored = bytes(column.getValue());
			assertThat(indexOf(stored, seed)).as("the raw seed in column %s", column.getKey()).isNegative();
			assertThat(indexOf(stored, pkcs8)).as("the PKCS#8 key in column %s", column.getKey()).isNegative();
			for (String spelling : List.of(Base64.getEncoder().encodeToString(seed),
					Base64.getUrlEncoder().withoutPadding().encodeToString(seed), HexFormat.of().formatHex(seed))) {
				assertThat(new String(stored, StandardCharsets.ISO_8859_1)).as("column %s", column.getKey())
					.doesNotContainIgnoringCase(spelling);
			}
		}
		assertThat(sealed).isNotEqualTo(seed).isNotEqualTo(pkcs8);

		Api anonymous = api.with("Authorization", null);
		assertThat(anonymous.post("/receipts/verify", receipt.raw()).json().path("valid").asBoolean()).isTrue();
	}

	static byte[] bytes(Object value) {
		return value == null ? new byte[0]
				: value instanceof byte[] b ? b : String.valueOf(value).getBytes(StandardCharsets.UTF_8);
	}

	static byte[] concat(byte[] a, byte[] b) {
		byte[] both = new byte[a.length + b.length];
		System.arraycopy(a, 0, both, 0, a.length);
		System.arraycopy(b, 0, both, a.length, b.length);
		return both;
	}

	static int indexOf(byte[] haystack, byte[] needle) {
		outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (haystack[i + j] != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}
}
