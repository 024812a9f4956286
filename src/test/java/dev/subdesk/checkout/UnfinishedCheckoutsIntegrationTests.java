package dev.subdesk.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a checkout leaves behind when it sells nothing: a disclosure nobody accepted is deleted a day after it expired
 * (it backs no purchase after its expiry), while one that backs a sale, one that backs an attempt whose evidence is
 * kept, and one expired less than a day ago stay; an acceptance whose purchase never finished (the node stopped
 * between its charge and its record) is marked as having sold nothing.
 */
class UnfinishedCheckoutsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	UnfinishedCheckouts unfinished;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	/** Moves a disclosure's making and expiry back, so that it expired {@code ago}. */
	private void expired(String disclosure, Duration ago) {
		Instant expires = clock.instant().minus(ago);
		jdbc.sql("UPDATE disclosures SET created_at = :created, expires_at = :expires WHERE id = :id")
			.param("created", Timestamp.from(expires.minus(Duration.ofHours(1))))
			.param("expires", Timestamp.from(expires))
			.param("id", disclosure)
			.update();
	}

	private boolean exists(String disclosure) {
		return jdbc.sql("SELECT count(*) FROM disclosures WHERE id = :id").param("id", disclosure)
			.query(Long.class).single() == 1;
	}

	private String consentStatus(String disclosure) {
		return jdbc.sql("SELECT status FROM consents WHERE disclosure_id = :d").param("d", disclosure)
			.query(String.class).single();
	}

	@Test
	void anUnacceptedDisclosureIsDeletedADayAfterItExpiredAndAcceptedOrRecentOnesStay() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String neverAccepted = fixtures.disclosure(account, "antivirus-annual", null);
		String expiredLately = fixtures.disclosure(account, "antivirus-annual", null);
		String stillValid = fixtures.disclosure(account, "antivirus-annual", null);
		String sold = fixtures.disclosure(account, "vpn-annual", null);
		Api.Response bought = api.post("/subscriptions", Map.of("accountId", account, "planCode", "vpn-annual",
				"consent", Map.of("disclosureId", sold, "method", "BUTTON")));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String declinedCard = fixtures.card(account, "tok_chargeDeclined");
		String attempted = fixtures.disclosure(account, "utilities-annual", null);
		Api.Response declined = api.post("/subscriptions", Map.of("accountId", account, "planCode", "utilities-annual",
				"paymentMethodId", declinedCard, "consent", Map.of("disclosureId", attempted, "method", "BUTTON")));
		assertThat(declined.status()).as(declined.toString()).isEqualTo(402);
		expired(neverAccepted, Duration.ofDays(1).plusMinutes(1));
		expired(expiredLately, Duration.ofHours(23));
		expired(sold, Duration.ofDays(30));
		expired(attempted, Duration.ofDays(30));

		assertThat(unfinished.deleteUnacceptedDisclosures()).isGreaterThanOrEqualTo(1);

		assertThat(exists(neverAccepted)).as("unaccepted, expired more than a day ago").isFalse();
		assertThat(exists(expiredLately)).as("unaccepted, expired less than a day ago").isTrue();
		assertThat(exists(stillValid)).as("unaccepted, still valid").isTrue();
		assertThat(exists(sold)).as("the disclosure a sale's consent record keeps").isTrue();
		assertThat(exists(attempted)).as("the disclosure of an attempt whose evidence is kept").isTrue();
		assertThat(consentStatus(attempted)).isEqualTo("ABANDONED");
		assertThat(api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0)
			.path("disclosureId").asString()).isEqualTo(sold);

		assertThat(unfinished.deleteUnacceptedDisclosures()).as("nothing more to delete").isZero();
	}

	@Test
	void anAcceptanceWhosePurchaseNeverFinishedIsMarkedAsHavingSoldNothingAfterADay() {
		String account = fixtures.account("US", "TX");
		String declinedCard = fixtures.card(account, "tok_chargeDeclined");
		String stale = fixtures.disclosure(account, "antivirus-annual", null);
		String recent = fixtures.disclosure(account, "vpn-annual", null);
		for (String[] purchase : new String[][] { { "antivirus-annual", stale }, { "vpn-annual", recent } }) {
			Api.Response declined = api.post("/subscriptions", Map.of("accountId", account, "planCode", purchase[0],
					"paymentMethodId", declinedCard, "consent", Map.of("disclosureId", purchase[1], "method", "BUTTON")));
			assertThat(declined.status()).as(declined.toString()).isEqualTo(402);
		}
		// as a node that stopped between the charge and the record leaves them: PENDING
		jdbc.sql("UPDATE consents SET status = 'PENDING', accepted_at = :at WHERE disclosure_id = :d")
			.param("at", Timestamp.from(clock.instant().minus(Duration.ofDays(1)).minusSeconds(60)))
			.param("d", stale)
			.update();
		jdbc.sql("UPDATE consents SET status = 'PENDING' WHERE disclosure_id = :d").param("d", recent).update();

		assertThat(unfinished.abandonStalePurchases()).isGreaterThanOrEqualTo(1);

		assertThat(consentStatus(stale)).isEqualTo("ABANDONED");
		assertThat(consentStatus(recent)).as("its purchase may still record it").isEqualTo("PENDING");
		assertThat(api.get("/accounts/" + account + "/consents").json().path("data").size())
			.as("neither is in the consent export").isZero();
	}
}
