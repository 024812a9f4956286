package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.sealing.SealedRows;
import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Receipt signing keys stored in the clear by an older release are sealed when the server starts and keep signing
 * receipts that verify, as do the receipts they signed before; and a rotation of the key-encryption key re-seals the
 * receipt keys like every other sealed row, after which every receipt still verifies and the key still signs. The
 * rotation is played in this JVM, with a key-encryption key of the test's own (no child server): the re-seal pass
 * the job runs, then back, so the shared database ends as it began.
 */
class ReceiptKeySealingIntegrationTests extends ApiIntegrationTest {

	/** Another key-encryption key, base64 of 32 bytes, no secret. */
	private static final String ROTATED_KEK = Base64.getEncoder()
		.encodeToString("subdesk-receipt-test-kek-32bytes".getBytes(StandardCharsets.US_ASCII));

	@Autowired
	JdbcClient jdbc;

	@Autowired
	KeyEncryptionKey kek;

	@Autowired
	SealedReceiptKeys sealedKeys;

	@Autowired
	JdbcCancellationRepository repository;

	@Autowired
	JsonMapper json;

	@Autowired
	PlatformTransactionManager transactionManager;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	Clock clock;

	/** The tables the re-seal job goes through. */
	@Autowired
	List<SealedRows> sealedTables;

	@Test
	void keysStoredInTheClearByAnOlderReleaseAreSealedAtStartAndWhatTheySignedStillVerifies() {
		String number = cancelled("END_OF_TERM");
		JsonNode issued = api.get("/cancellations/" + number + "/receipt").json();
		Ed25519PrivateKeyParameters raw = new Ed25519PrivateKeyParameters(new SecureRandom());
		Ed25519PrivateKeyParameters pkcs8Key = new Ed25519PrivateKeyParameters(new SecureRandom());
		String rawId = "rk_TESTRAW" + System.nanoTime();
		String pkcs8Id = "rk_TESTPKCS8" + System.nanoTime();
		try {
			// as an older release wrote them: the raw seed, and a PKCS#8 encoding (which ends with the seed); the
			// PKCS#8 one is the newest, so a server that has not opened a key yet signs with it
			insertPlain(rawId, raw.getEncoded(), raw, Instant.parse("2001-01-01T00:00:00Z"));
			insertPlain(pkcs8Id, ReceiptKeysAtRestIntegrationTests.concat(ReceiptKeysAtRestIntegrationTests.PKCS8_PREFIX,
					pkcs8Key.getEncoded()), pkcs8Key, Instant.parse("2999-01-01T00:00:00Z"));
			JsonNode olderReceipt = signedBy(issued, rawId, raw);
			assertThat(verifies(olderReceipt)).as("signed by the plain key before sealing").isTrue();
			JsonNode signedPlain = signWithFreshNode(number);
			assertThat(signedPlain.path("keyId").asString()).as("a plain key still signs until sealed").isEqualTo(pkcs8Id);
			assertThat(verifies(signedPlain)).isTrue();

			assertThat(sealedKeys.sealPlainKeys()).isGreaterThanOrEqualTo(2);

			for (var key : Map.of(rawId, raw, pkcs8Id, pkcs8Key).entrySet()) {
				Map<String, Object> row = jdbc.sql("SELECT * FROM receipt_keys WHERE key_id = :id")
					.param("id", key.getKey())
					.query()
					.singleRow();
				assertThat(row.get("private_key")).as("plain column of %s", key.getKey()).isNull();
				byte[] sealed = (byte[]) row.get("sealed_private_key");
				assertThat(sealed).hasSize(12 + 32 + 16);
				assertThat(row.get("kek_id")).isEqualTo(kek.id());
				assertThat(ReceiptKeysAtRestIntegrationTests.indexOf(sealed, key.getValue().getEncoded())).isNegative();
				assertThat((byte[]) row.get("public_key")).as("the published key is unchanged")
					.isEqualTo(key.getValue().generatePublicKey().getEncoded());
				assertThat(sealedKeys.open(key.getKey(), sealed, kek.id(), null).getEncoded())
					.isEqualTo(key.getValue().getEncoded());
			}
			assertThat(sealedKeys.sealPlainKeys()).as("nothing left in the clear").isZero();

			assertThat(verifies(olderReceipt)).as("a receipt signed before sealing").isTrue();
			assertThat(verifies(signedPlain)).isTrue();
			JsonNode signedSealed = signWithFreshNode(number);
			assertThat(signedSealed.path("keyId").asString()).as("the sealed key, opened, signs").isEqualTo(pkcs8Id);
			assertThat(verifies(signedSealed)).isTrue();
			assertThat(verifies(issued)).isTrue();
			JsonNode published = api.with("Authorization", null).get("/receipt-keys").json().path("data");
			assertThat(published.values()).anySatisfy(k -> {
				assertThat(k.path("keyId").asString()).isEqualTo(rawId);
				assertThat(k.path("publicKey").asString()).isEqualTo(Base64.getUrlEncoder().withoutPadding()
					.encodeToString(raw.generatePublicKey().getEncoded()));
			});
		}
		finally {
			jdbc.sql("DELETE FROM receipt_keys WHERE key_id IN (:ids)").param("ids", List.of(rawId, pkcs8Id)).update();
		}
	}

	@Test
	void receiptsVerifyAcrossAKeyEncryptionKeyRotationAndTheReSealedKeyStillSigns() {
		String number = cancelled("END_OF_TERM");
		JsonNode before = api.get("/cancellations/" + number + "/receipt").json();
		String keyId = before.path("keyId").asString();
		byte[] sealedBefore = sealedOf(keyId);

		assertThat(sealedTables).as("the re-seal job's tables").contains(sealedKeys);
		KeyEncryptionKey rotated = new KeyEncryptionKey(ROTATED_KEK, SubdeskIntegrationTest.ENTITLEMENT_KEK, "");
		SealedReceiptKeys afterRotation = new SealedReceiptKeys(jdbc, rotated, transactions);
		try {
			assertThat(afterRotation.sealedUnderOtherKeys()).as("what the job counts before its pass")
				.containsKey(kek.id());
			assertThat(pass(afterRotation)).as("rows that do not open").isEmpty();
			assertThat(afterRotation.sealedUnderOtherKeys()).as("left under the previous key").isEmpty();
			assertThat(jdbc.sql("SELECT kek_id FROM receipt_keys WHERE key_id = :id").param("id", keyId)
				.query(String.class).single()).isEqualTo(rotated.id());
			assertThat(sealedOf(keyId)).isNotEqualTo(sealedBefore);

			assertThat(verifies(before)).as("a receipt issued before the rotation").isTrue();
			// a node started with the new key-encryption key opens the re-sealed newest key and signs with it (the
			// newest may be another than this server's, which it cached: the other test stores keys of its own)
			String newest = jdbc.sql("SELECT key_id FROM receipt_keys ORDER BY created_at DESC, key_id LIMIT 1")
				.query(String.class).single();
			assertThat(jdbc.sql("SELECT kek_id FROM receipt_keys WHERE key_id = :id").param("id", newest)
				.query(String.class).single()).isEqualTo(rotated.id());
			JsonNode after = sign(new Receipts(jdbc, repository, clock, json, transactionManager, afterRotation), number);
			assertThat(after.path("keyId").asString()).isEqualTo(newest);
			assertThat(verifies(after)).isTrue();
		}
		finally {
			KeyEncryptionKey back = new KeyEncryptionKey(SubdeskIntegrationTest.ENTITLEMENT_KEK, ROTATED_KEK, "");
			assertThat(pass(new SealedReceiptKeys(jdbc, back, transactions))).isEmpty();
		}
		assertThat(jdbc.sql("SELECT kek_id FROM receipt_keys WHERE key_id = :id").param("id", keyId)
			.query(String.class).single()).isEqualTo(kek.id());
		assertThat(verifies(before)).isTrue();
	}

	/**
	 * A node that found no receipt key when it started signs with the newest one at its first receipt; when that one
	 * does not open here (made meanwhile by a node under another key-encryption key, or its row altered), the node
	 * makes a key of its own, logs why, and the cancellation does not fail.
	 */
	@Test
	void aNodeThatFoundNoKeyAtStartMakesOneOfItsOwnWhenTheNewestDoesNotOpen() {
		String number = cancelled("END_OF_TERM");
		Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
		String damagedId = "rk_TESTDAMAGED" + System.nanoTime();
		byte[] sealed = sealedKeys.seal(damagedId, key);
		sealed[20] ^= 1;
		jdbc.sql("""
				INSERT INTO receipt_keys (key_id, sealed_private_key, kek_id, public_key, created_at)
				VALUES (:id, :sealed, :kek, :public, :at)""")
			.param("id", damagedId)
			.param("sealed", sealed)
			.param("kek", kek.id())
			.param("public", key.generatePublicKey().getEncoded())
			.param("at", Timestamp.from(Instant.parse("2999-01-01T00:00:00Z")))
			.update();
		List<String> made = new ArrayList<>(List.of(damagedId));
		try {
			JsonNode signed = signWithFreshNode(number);
			String signedBy = signed.path("keyId").asString();
			made.add(signedBy);
			assertThat(signedBy).as("not the key that does not open").isNotEqualTo(damagedId);
			assertThat(verifies(signed)).isTrue();
			assertThat(jdbc.sql("SELECT kek_id FROM receipt_keys WHERE key_id = :id").param("id", signedBy)
				.query(String.class).single()).as("the node's own key, sealed").isEqualTo(kek.id());
		}
		finally {
			jdbc.sql("DELETE FROM receipt_keys WHERE key_id IN (:ids)").param("ids", made).update();
		}
	}

	/**
	 * A newest key whose row was altered or damaged (it does not open under a key-encryption key the node has, or opens
	 * to a key that is not its published public key's) does not refuse the start: with no backup every node would stay
	 * down. The node logs it and signs with a new key of its own, which verifies; the altered row is kept.
	 */
	@Test
	void aStartFindingTheNewestKeysRowAlteredSignsWithANewKeyOfItsOwn() {
		String number = cancelled("END_OF_TERM");
		Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
		String damagedId = "rk_TESTDAMAGEDSTART" + System.nanoTime();
		byte[] sealed = sealedKeys.seal(damagedId, key);
		sealed[20] ^= 1;
		insertSealed(damagedId, sealed, kek.id(), key.generatePublicKey().getEncoded(), "2999-01-01T00:00:00Z");
		String swappedId = "rk_TESTSWAPPEDSTART" + System.nanoTime();
		insertSealed(swappedId, sealedKeys.seal(swappedId, key), kek.id(),
				new Ed25519PrivateKeyParameters(new SecureRandom()).generatePublicKey().getEncoded(),
				"2999-01-02T00:00:00Z");
		List<String> made = new ArrayList<>(List.of(damagedId, swappedId));
		try {
			for (String altered : List.of(swappedId, damagedId)) {
				Receipts started = freshReceipts(sealedKeys);
				started.afterPropertiesSet();
				JsonNode signed = sign(started, number);
				String signedBy = signed.path("keyId").asString();
				made.add(signedBy);
				assertThat(signedBy).as("not the altered key").isNotEqualTo(altered);
				assertThat(verifies(signed)).isTrue();
				assertThat(jdbc.sql("SELECT count(*) FROM receipt_keys WHERE key_id = :id").param("id", altered)
					.query(Long.class).single()).as("the altered row is kept").isOne();
				// the next start's newest is the key just made: move it out of the way to meet the next altered one
				jdbc.sql("UPDATE receipt_keys SET created_at = :at WHERE key_id = :id").param("id", signedBy)
					.param("at", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z"))).update();
				jdbc.sql("DELETE FROM receipt_keys WHERE key_id = :id").param("id", altered).update();
			}
		}
		finally {
			jdbc.sql("DELETE FROM receipt_keys WHERE key_id IN (:ids)").param("ids", made).update();
		}
	}

	/**
	 * A newest key sealed under a key-encryption key this node lacks (the node runs another SUBDESK_ENTITLEMENT_KEK)
	 * refuses the start, and a node that found no key at start makes none of its own on meeting it: a key sealed under
	 * a key the other nodes lack would stop every one of them at its next start.
	 */
	@Test
	void aNodeLackingTheKeyEncryptionKeyOfTheNewestKeyRefusesToStartAndMakesNoKeyOfItsOwn() {
		String number = cancelled("END_OF_TERM");
		Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
		String elsewhereId = "rk_TESTELSEWHERE" + System.nanoTime();
		insertSealed(elsewhereId, sealedKeys.seal(elsewhereId, key), "kek_elsewhere0000",
				key.generatePublicKey().getEncoded(), "2999-01-03T00:00:00Z");
		try {
			long before = jdbc.sql("SELECT count(*) FROM receipt_keys").query(Long.class).single();
			assertThatThrownBy(() -> freshReceipts(sealedKeys).afterPropertiesSet())
				.isInstanceOf(ReceiptKeyDoesNotOpen.class)
				.hasMessageContaining(elsewhereId)
				.hasMessageContaining("sealed under key-encryption key kek_elsewhere0000");
			assertThatThrownBy(() -> signWithFreshNode(number)).isInstanceOf(ReceiptKeyDoesNotOpen.class);
			assertThat(jdbc.sql("SELECT count(*) FROM receipt_keys").query(Long.class).single())
				.as("no key of its own").isEqualTo(before);
		}
		finally {
			jdbc.sql("DELETE FROM receipt_keys WHERE key_id = :id").param("id", elsewhereId).update();
		}
	}

	private void insertSealed(String keyId, byte[] sealed, String kekId, byte[] publicKey, String createdAt) {
		jdbc.sql("""
				INSERT INTO receipt_keys (key_id, sealed_private_key, kek_id, public_key, created_at)
				VALUES (:id, :sealed, :kek, :public, :at)""")
			.param("id", keyId)
			.param("sealed", sealed)
			.param("kek", kekId)
			.param("public", publicKey)
			.param("at", Timestamp.from(Instant.parse(createdAt)))
			.update();
	}

	private String cancelled(String mode) {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response cancelled = fixtures.cancel(sub, mode);
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		return cancelled.text("confirmationNumber");
	}

	private void insertPlain(String keyId, byte[] stored, Ed25519PrivateKeyParameters key, Instant createdAt) {
		jdbc.sql("INSERT INTO receipt_keys (key_id, private_key, public_key, created_at) VALUES (:id, :private, :public, :at)")
			.param("id", keyId)
			.param("private", stored)
			.param("public", key.generatePublicKey().getEncoded())
			.param("at", Timestamp.from(createdAt))
			.update();
	}

	private byte[] sealedOf(String keyId) {
		return jdbc.sql("SELECT sealed_private_key FROM receipt_keys WHERE key_id = :id")
			.param("id", keyId)
			.query((rs, n) -> rs.getBytes(1))
			.single();
	}

	/** Runs one re-seal pass over the receipt keys, as the job does; the rows that did not open. */
	private static List<String> pass(SealedReceiptKeys keys) {
		List<String> unopenable = new ArrayList<>();
		SealedRows.Pass pass = keys.pass();
		for (SealedRows.Batch batch = pass.next(100); batch.read() > 0; batch = pass.next(100)) {
			unopenable.addAll(batch.unopenable());
		}
		return unopenable;
	}

	private Receipts freshReceipts(SealedReceiptKeys keys) {
		return new Receipts(jdbc, repository, clock, json, transactionManager, keys);
	}

	/** The cancellation's receipt as a node that has not opened a signing key yet signs it now. */
	private JsonNode signWithFreshNode(String number) {
		return sign(freshReceipts(sealedKeys), number);
	}

	private JsonNode sign(Receipts receipts, String number) {
		Receipts.Signed signed = receipts.prepare(repository.find(number).orElseThrow()).signed();
		assertThat(signed).as("a cancellation without refunds is signed at once").isNotNull();
		ObjectNode receipt = (ObjectNode) json.readTree(signed.payload());
		receipt.put("keyId", signed.keyId());
		receipt.put("signature", signed.signature());
		return receipt;
	}

	/** The issued receipt's cancellation and time signed again by {@code key}, as an older release signed. */
	private JsonNode signedBy(JsonNode issued, String keyId, Ed25519PrivateKeyParameters key) {
		ObjectNode signed = json.createObjectNode();
		signed.set("cancellation", issued.get("cancellation"));
		signed.set("issuedAt", issued.get("issuedAt"));
		byte[] payload = CanonicalJson.of(signed).getBytes(StandardCharsets.UTF_8);
		Ed25519Signer signer = new Ed25519Signer();
		signer.init(true, key);
		signer.update(payload, 0, payload.length);
		ObjectNode receipt = signed.deepCopy();
		receipt.put("keyId", keyId);
		receipt.put("signature", Base64.getUrlEncoder().withoutPadding().encodeToString(signer.generateSignature()));
		return receipt;
	}

	private boolean verifies(JsonNode receipt) {
		Api.Response verdict = api.with("Authorization", null).post("/receipts/verify", receipt);
		assertThat(verdict.status()).as(verdict.toString()).isEqualTo(200);
		return verdict.json().path("valid").asBoolean();
	}
}
