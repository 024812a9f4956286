package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.security.SecureRandom;
import java.sql.Timestamp;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Several nodes after a rotation of the receipt signing key: a node learns of a key another node made current within
 * its refresh interval, without a restart or a query per cancellation (the rotation and revocation on the ADMINs'
 * console page, over HTTP, are in ConsoleReceiptKeysIntegrationTests).
 */
class ReceiptKeyRotationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	SealedReceiptKeys sealedKeys;

	@Autowired
	TestClock clock;

	/**
	 * Another node made a new key current (its row written as a rotation writes it): within the refresh interval this
	 * node signs with it too, without a restart.
	 */
	@Test
	void aNodeSignsWithTheKeyAnotherNodeMadeCurrentOnceItsRefreshIntervalIsOver() {
		String before = receipt(cancelled()).path("keyId").asString();
		Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
		String keyId = "rk_TESTOTHERNODE" + System.nanoTime();
		jdbc.sql("""
				INSERT INTO receipt_keys (key_id, sealed_private_key, kek_id, public_key, created_at)
				VALUES (:id, :sealed, :kek, :public, :at)""")
			.param("id", keyId)
			.param("sealed", sealedKeys.seal(keyId, key))
			.param("kek", sealedKeys.kekId())
			.param("public", key.generatePublicKey().getEncoded())
			.param("at", Timestamp.from(clock.instant()))
			.update();
		clock.moveTo(clock.instant().plusSeconds(11));

		JsonNode after = receipt(cancelled());
		assertThat(after.path("keyId").asString()).as("signed with the key made current by another node, not " + before)
			.isEqualTo(keyId);
		assertThat(verifies(after)).isTrue();
	}

	private String cancelled() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response cancelled = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		return cancelled.text("confirmationNumber");
	}

	private JsonNode receipt(String number) {
		return api.get("/cancellations/" + number + "/receipt").json();
	}

	private boolean verifies(JsonNode receipt) {
		Api.Response answer = api.with("Authorization", null).post("/receipts/verify", receipt.toString());
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json().path("valid").asBoolean();
	}
}
