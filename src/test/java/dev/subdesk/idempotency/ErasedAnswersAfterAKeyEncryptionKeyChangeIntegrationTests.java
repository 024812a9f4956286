package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An answer erased with its account keeps its request's fingerprint as an HMAC under a key derived from the
 * key-encryption key (V323). After that key is changed, the fingerprint can no longer be checked: the identical retry
 * must still be told the answer was erased with the account (409 ACCOUNT_CLOSED, nothing runs again), not that its
 * key was reused (422), which a client takes for its own mistake and answers with a new key, running the request again.
 */
@SubdeskIntegrationTest
class ErasedAnswersAfterAKeyEncryptionKeyChangeIntegrationTests {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	private IdempotentAnswers underKey(String kek) {
		return new IdempotentAnswers(jdbc, clock, new KeyEncryptionKey(kek, ""), List.of(), new AnswerWaits(jdbc));
	}

	private static String newKek() {
		byte[] raw = new byte[32];
		new SecureRandom().nextBytes(raw);
		return Base64.getEncoder().encodeToString(raw);
	}

	/**
	 * With the key that made it listed as previous ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}), an erased answer's
	 * fingerprint is still checked under it: the identical retry gets the closure, another request with the key is a
	 * reuse (422). A stored answer sealed under it replays.
	 */
	@Test
	void underTheNewKeyWithTheOldOneListedAsPreviousAFingerprintMadeUnderTheOldOneIsStillChecked() {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("device-" + UUID.randomUUID());
		String kept = IdempotentAnswers.sha256("keep-" + UUID.randomUUID());
		String account = "acct_P" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
		String fingerprint = IdempotentAnswers.sha256("POST /accounts/" + account + "/devices {\"name\":\"Erika\"}");
		String oldKek = newKek();
		String newKek = newKek();
		IdempotentAnswers before = underKey(oldKek);
		IdempotentAnswers after = new IdempotentAnswers(jdbc, clock, new KeyEncryptionKey(newKek, oldKek, ""), List.of(),
				new AnswerWaits(jdbc));
		try {
			var first = (IdempotentAnswers.Claim.Owned) before.claim(scope, key, fingerprint, Set.of(account));
			assertThat(before.complete(scope, key, first.owner(), 201, "application/json",
					"{\"name\":\"Erika\"}".getBytes(StandardCharsets.UTF_8), Set.of())).isTrue();
			var second = (IdempotentAnswers.Claim.Owned) before.claim(scope, kept, fingerprint, Set.of());
			assertThat(before.complete(scope, kept, second.owner(), 201, "application/json",
					"{\"kept\":true}".getBytes(StandardCharsets.UTF_8), Set.of())).isTrue();
			assertThat(before.eraseAnswersFor(account)).isEqualTo(1);

			var same = (IdempotentAnswers.Claim.Completed) after.claim(scope, key, fingerprint, Set.of());
			assertThat(same.erased()).isTrue();
			assertThat(same.fingerprint()).isEqualTo(fingerprint);
			String another = IdempotentAnswers.sha256("POST /accounts/" + account + "/devices {\"name\":\"Klaus\"}");
			var other = (IdempotentAnswers.Claim.Completed) after.claim(scope, key, another, Set.of());
			assertThat(other.fingerprint()).as("another request with the key: still a reuse (422)").isNotEqualTo(another);
			var replayed = (IdempotentAnswers.Claim.Completed) after.claim(scope, kept, fingerprint, Set.of());
			assertThat(new String(replayed.body(), StandardCharsets.UTF_8)).isEqualTo("{\"kept\":true}");
		}
		finally {
			before.stopRenewals();
			after.stopRenewals();
		}
	}

	@Test
	void theIdenticalRetryOfAnAnswerErasedUnderAnotherKeyIsToldItWasErased() {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("device-" + UUID.randomUUID());
		String account = "acct_K" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
		String fingerprint = IdempotentAnswers.sha256("POST /accounts/" + account + "/devices {\"name\":\"Erika\"}");
		String oldKek = newKek();
		IdempotentAnswers before = underKey(oldKek);
		IdempotentAnswers after = underKey(newKek());
		try {
			var first = (IdempotentAnswers.Claim.Owned) before.claim(scope, key, fingerprint, Set.of(account));
			assertThat(before.complete(scope, key, first.owner(), 201, "application/json",
					"{\"name\":\"Erika\"}".getBytes(StandardCharsets.UTF_8), Set.of())).isTrue();
			assertThat(before.eraseAnswersFor(account)).isEqualTo(1);

			IdempotentAnswers.Claim retried = after.claim(scope, key, fingerprint, Set.of());

			assertThat(retried).isInstanceOf(IdempotentAnswers.Claim.Completed.class);
			var erased = (IdempotentAnswers.Claim.Completed) retried;
			assertThat(erased.erased()).isTrue();
			assertThat(erased.status()).isEqualTo(409);
			assertThat(erased.fingerprint()).as("the identical request: replayed as the closure, not a reuse (422)")
				.isEqualTo(fingerprint);

			// under the key that made it, the fingerprint still tells another request with the key apart
			String another = IdempotentAnswers.sha256("POST /accounts/" + account + "/devices {\"name\":\"Klaus\"}");
			var other = (IdempotentAnswers.Claim.Completed) before.claim(scope, key, another, Set.of());
			assertThat(other.fingerprint()).as("another request with the key: a reuse (422)").isNotEqualTo(another);
			var same = (IdempotentAnswers.Claim.Completed) before.claim(scope, key, fingerprint, Set.of());
			assertThat(same.fingerprint()).isEqualTo(fingerprint);
		}
		finally {
			before.stopRenewals();
			after.stopRenewals();
		}
	}
}
