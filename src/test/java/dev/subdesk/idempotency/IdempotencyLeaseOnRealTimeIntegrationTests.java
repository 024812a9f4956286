package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lease of a running request on its {@code Idempotency-Key} lapses after two minutes of real time, whatever the
 * test clock does: advancing the test clock (another client may) neither lets a retry take a running request's key
 * over, which would run it twice, nor lets the purge delete it. The 24 hours an answer is replayed stay on the
 * server's clock (shared/API.md Conventions).
 */
class IdempotencyLeaseOnRealTimeIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	IdempotentAnswers answers;

	@Autowired
	AnswerRetention retention;

	@Test
	void aRunningRequestKeepsItsKeyWhenTheTestClockIsAdvanced() {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("charge-" + UUID.randomUUID());
		String fingerprint = IdempotentAnswers.sha256("POST /subscriptions {}");
		var running = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());

		assertThat(api.post("/test-clock/advance", Map.of("duration", "PT3M")).status()).isEqualTo(200);
		assertThat(answers.claim(scope, key, fingerprint, Set.of()))
			.as("three minutes of test clock are not three minutes of the running request")
			.isInstanceOf(IdempotentAnswers.Claim.InProgress.class);

		assertThat(api.post("/test-clock/advance", Map.of("duration", "PT25H")).status()).isEqualTo(200);
		retention.purge();
		assertThat(rows(scope, key)).as("the purge leaves a running request's key").isEqualTo(1);
		assertThat(answers.claim(scope, key, fingerprint, Set.of())).as("nor is it expired for a retry")
			.isInstanceOf(IdempotentAnswers.Claim.InProgress.class);

		assertThat(answers.complete(scope, key, running.owner(), 201, "application/json", "{}".getBytes(), Set.of()))
			.as("the request still owns its key").isTrue();
	}

	@Test
	void aPendingKeyWhoseLeaseLapsedInRealTimeIsTakenOverAndARenewedOneIsNot() {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("slow-" + UUID.randomUUID());
		String fingerprint = IdempotentAnswers.sha256("POST /x {}");
		var slow = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());
		lapse(scope, key);

		assertThat(answers.renew(scope, key, slow.owner())).as("a request still running renews its lease").isTrue();
		assertThat(answers.claim(scope, key, fingerprint, Set.of())).isInstanceOf(IdempotentAnswers.Claim.InProgress.class);

		lapse(scope, key);
		var retry = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());
		assertThat(answers.renew(scope, key, slow.owner())).as("the crashed node's lease is the retry's now").isFalse();
		assertThat(answers.renew(scope, key, retry.owner())).isTrue();
	}

	@Test
	void aKeysStoredAnswerStillExpiresAfterADayOfTheServersClock() {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("answered-" + UUID.randomUUID());
		String fingerprint = IdempotentAnswers.sha256("POST /x {}");
		var first = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());
		assertThat(answers.complete(scope, key, first.owner(), 201, "application/json", "{}".getBytes(), Set.of())).isTrue();

		assertThat(api.post("/test-clock/advance", Map.of("duration", "PT24H1M")).status()).isEqualTo(200);
		assertThat(answers.claim(scope, key, fingerprint, Set.of())).as("replayed within 24 hours only")
			.isInstanceOf(IdempotentAnswers.Claim.Owned.class);
	}

	/** Two minutes of real time pass for the pending claim (its node crashed, say). */
	private void lapse(String scope, String key) {
		jdbc.sql("UPDATE idempotency_keys SET claimed_at = claimed_at - interval '3 minutes' WHERE scope = :s AND key = :k")
			.param("s", scope).param("k", key).update();
	}

	private long rows(String scope, String key) {
		return jdbc.sql("SELECT count(*) FROM idempotency_keys WHERE scope = :s AND key = :k")
			.param("s", scope).param("k", key).query(Long.class).single();
	}
}
