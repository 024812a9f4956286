package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A node never takes cancellations it cannot sign receipts for. When it starts, it opens the newest receipt signing
 * key (the one that signs) and refuses to start, naming the key and the likely cause, when that key is sealed under a
 * key-encryption key it lacks. A node that started signs with the key it opened then, so a row altered afterwards
 * breaks no cancellation. Each node is a server of its own on a database of its own.
 */
@SubdeskIntegrationTest
class ReceiptSigningKeyAtStartIntegrationTests {

	private static final String A = SubdeskIntegrationTest.ENTITLEMENT_KEK;

	/** Another key-encryption key, base64 of 32 bytes, no secret. */
	private static final String B = "cm90YXRlZC1rZXktZW5jcnlwdGlvbi1rZXktMzIhISE=";

	/** Flips one bit of the sealed seed's ciphertext: what a damaged or altered row holds. */
	private static final String DAMAGE = """
			UPDATE receipt_keys SET sealed_private_key = set_byte(sealed_private_key, 20, get_byte(sealed_private_key, 20) # 1)
			WHERE key_id = :id
			""";

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	@Test
	void aNodeWithoutTheKeyEncryptionKeyThatSealedTheNewestReceiptKeyRefusesToStartSayingWhichKeyAndWhy()
			throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newDatabase(testDatabase, "receipt_key_start_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try {
			String keyId = signedOnce(url);
			// as on a database upgraded from before V610, where no node's key is recorded yet: with A recorded, a node
			// with B refuses before it opens any receipt key (KeyEncryptionKeyInUseIntegrationTests)
			db.sql("DELETE FROM kek_in_use").update();
			String wrongKek = refusal(url, "b.log", "--subdesk.entitlements.kek=" + B);
			assertThat(wrongKek).contains("Receipt signing key " + keyId)
				.contains("sealed under key-encryption key " + a + ", which is neither SUBDESK_ENTITLEMENT_KEK (" + b
						+ ") nor listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS")
				.contains("started with another key-encryption key than the one that sealed it");
			assertThat(db.sql("SELECT count(*) FROM receipt_keys").query(Long.class).single())
				.as("no key of its own, sealed under a key the other nodes lack").isOne();
			assertThat(db.sql("SELECT count(*) FROM kek_in_use").query(Long.class).single())
				.as("the refused start did not record its key-encryption key as the one in use").isZero();
			// (a row altered or damaged does not refuse the start: ReceiptKeySealingIntegrationTests)
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	@Test
	void aNodeSignsWithTheKeyItOpenedAtStartEvenWhenItsRowIsAlteredAfterwards() throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "receipt_key_later_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try {
			String keyId = signedOnce(url);
			ChildServer node = ChildServer.start(url, logs.resolve("a-again.log"), "--subdesk.entitlements.kek=" + A);
			try {
				// altered after the node started, before it signed anything
				db.sql(DAMAGE).param("id", keyId).update();
				Api.Response cancelled = cancel(node.api());
				assertThat(cancelled.status()).as("a cancellation after the row was altered: %s", cancelled).isEqualTo(200);
				Api.Response receipt = node.api().get("/cancellations/" + cancelled.text("confirmationNumber") + "/receipt");
				assertThat(receipt.status()).as(receipt.toString()).isEqualTo(200);
				assertThat(receipt.text("keyId")).as("the key opened at start").isEqualTo(keyId);
				Api.Response verdict = node.api().with("Authorization", null).post("/receipts/verify", receipt.raw());
				assertThat(verdict.json().path("valid").asBoolean()).as(verdict.toString()).isTrue();
			}
			finally {
				node.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/** A node under key A that takes a cancellation and signs its receipt; the key that signed it. */
	private String signedOnce(String url) throws Exception {
		ChildServer first = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
		try {
			Api.Response cancelled = cancel(first.api());
			assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
			return first.api().get("/cancellations/" + cancelled.text("confirmationNumber") + "/receipt").text("keyId");
		}
		finally {
			first.stop();
		}
	}

	/** A cancellation without a refund: its receipt is signed as the cancellation is created. */
	private static Api.Response cancel(Api api) {
		Fixtures fixtures = new Fixtures(api);
		String subscription = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-monthly");
		return api.uncheckedAgainstTheDescription()
			.post("/subscriptions/" + subscription + "/cancel", Map.of("mode", "END_OF_TERM"));
	}

	/** The log of a start that must be refused; a node that starts instead shows what a cancellation gets from it. */
	private String refusal(String url, String log, String... arguments) throws Exception {
		switch (ChildServer.launch(url, logs.resolve(log), arguments)) {
			case ChildServer.Running running -> {
				try {
					Api.Response cancelled = cancel(running.server().api());
					fail("The node started instead of refusing; a cancellation answered " + cancelled.status() + ": "
							+ cancelled);
				}
				finally {
					running.server().stop();
				}
				throw new AssertionError("unreachable");
			}
			case ChildServer.Refused refused -> {
				assertThat(refused.exitCode()).as("exit code").isNotZero();
				return Files.readString(refused.log());
			}
		}
	}
}
