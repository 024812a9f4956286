package dev.subdesk.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.testing.ModuleTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Settled attempts that leave nothing to remember (COMPLETED, DECLINED, VOID) leave {@code purchase_attempts} 90 days
 * after they settled; the sweep's open ones and the record of money given back stay whatever their age.
 */
@ModuleTest(extraIncludes = { "clock", "payments", "accounts" })
class PurchaseAttemptRetentionTests {

	@Autowired
	PurchaseAttemptRetention retention;

	@Autowired
	Accounts accounts;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Test
	void settledAttemptsArePurgedNinetyDaysAfterTheySettledAndOpenOrReversedOnesAreKept() {
		Account account = accounts.open("attempts-" + UUID.randomUUID() + "@example.com", "Attempt Keeper", "US", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa");
		Instant now = clock.instant();
		Duration old = Duration.ofDays(90).plusMinutes(1);
		Duration recent = Duration.ofDays(89);
		String completedOld = attempt(account, card, "COMPLETED", now.minus(old));
		String declinedOld = attempt(account, card, "DECLINED", now.minus(old));
		String voidOld = attempt(account, card, "VOID", now.minus(old));
		String completedRecent = attempt(account, card, "COMPLETED", now.minus(recent));
		String reversedOld = attempt(account, card, "REVERSED", now.minus(old));
		String reversingOpen = attempt(account, card, "REVERSING", null);
		String pendingOpen = attempt(account, card, "PENDING", null);

		try {
			assertThat(retention.purge()).isGreaterThanOrEqualTo(3);

			assertThat(jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a")
				.param("a", account.id())
				.query(String.class)
				.list()).containsExactlyInAnyOrder(completedRecent, reversedOld, reversingOpen, pendingOpen)
				.doesNotContain(completedOld, declinedOld, voidOld);
			assertThat(retention.purge()).as("nothing is left to purge").isZero();
		}
		finally {
			// the open ones would otherwise be the sweep's work in other tests
			jdbc.sql("DELETE FROM purchase_attempts WHERE account_id = :a").param("a", account.id()).update();
		}
	}

	@Test
	void aRetentionShorterThanADayIsRefusedAtStartUp() {
		assertThatThrownBy(() -> new PurchaseAttemptRetention(jdbc, clock, Duration.ofHours(23)))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("subdesk.billing.attempt-retention");
	}

	private String attempt(Account account, PaymentMethod card, String status, @Nullable Instant settledAt) {
		String key = "renewal_retention_" + UUID.randomUUID();
		Instant created = settledAt == null ? clock.instant() : settledAt.minusSeconds(2);
		jdbc.sql("""
				INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
				                               status, created_at, settled_at)
				VALUES (:key, :account, 'sub_retention', :pm, 999, 'USD', :status, :created, :settled)
				""")
			.param("key", key)
			.param("account", account.id())
			.param("pm", card.id())
			.param("status", status)
			.param("created", Timestamp.from(created))
			.param("settled", settledAt == null ? null : Timestamp.from(settledAt))
			.update();
		return key;
	}
}
