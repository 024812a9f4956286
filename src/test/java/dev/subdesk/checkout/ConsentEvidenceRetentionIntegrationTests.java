package dev.subdesk.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * R-US-2: a consent record is kept at least 3 years, or 1 year after its contract ended, whichever is longer. Its
 * client address and user agent are erased once both have passed by the server's clock; before that, and while the
 * contract runs, they stay; the record (who, when, the terms, price and wording) stays for good.
 */
class ConsentEvidenceRetentionIntegrationTests extends ApiIntegrationTest {

	private static final String IP = "198.51.100.23";

	private static final String AGENT = "Mozilla/5.0 (retention test)";

	private static final long DAY = 86_400;

	@Autowired
	ConsentEvidenceRetention retention;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	/** A purchase by a Californian with a consent that carries the client's address and user agent. */
	private String bought() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String disclosure = fixtures.disclosure(account, "antivirus-annual", null);
		Api.Response bought = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual",
				"consent", Map.of("disclosureId", disclosure, "method", "CHECKBOX", "ipAddress", IP, "userAgent", AGENT)));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		return bought.id();
	}

	/** A purchase whose consent was given {@code consentedAt} and whose contract ended {@code endedAt} (null: runs). */
	private String contract(Instant consentedAt, @Nullable Instant endedAt) {
		String sub = bought();
		if (endedAt != null) {
			Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");
			assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
			jdbc.sql("UPDATE subscriptions SET ended_at = :at WHERE id = :id")
				.param("at", Timestamp.from(endedAt))
				.param("id", sub)
				.update();
		}
		jdbc.sql("UPDATE consents SET accepted_at = :at WHERE subscription_id = :id")
			.param("at", Timestamp.from(consentedAt))
			.param("id", sub)
			.update();
		return sub;
	}

	/** The consent's client address and user agent as stored (the API never shows them). */
	private String[] evidence(String subscription) {
		return jdbc.sql("SELECT ip_address, user_agent FROM consents WHERE subscription_id = :id")
			.param("id", subscription)
			.query((rs, n) -> new String[] { rs.getString(1), rs.getString(2) })
			.single();
	}

	private void assertKept(String subscription, String why) {
		assertThat(evidence(subscription)).as(why).containsExactly(IP, AGENT);
	}

	/** The record as stored, but for the client address and user agent. */
	private Map<String, Object> record(String subscription) {
		return jdbc.sql("SELECT id, subscription_id, account_id, disclosure_id, text, text_sha256, method, channel,"
				+ " accepted_at FROM consents WHERE subscription_id = :id")
			.param("id", subscription)
			.query()
			.singleRow();
	}

	private JsonNode shown(String subscription) {
		Api.Response consents = api.get("/subscriptions/" + subscription + "/consents");
		assertThat(consents.status()).as(consents.toString()).isEqualTo(200);
		assertThat(consents.json().path("data").size()).isEqualTo(1);
		return consents.json().path("data").get(0);
	}

	private Instant yearsAgo(int years) {
		return clock.instant().atOffset(ZoneOffset.UTC).minusYears(years).toInstant();
	}

	@Test
	void theClientAddressAndUserAgentGoOnceThreeYearsHavePassedAndTheContractEndedMoreThanAYearAgo() {
		String youngConsent = contract(yearsAgo(3).plusSeconds(DAY), yearsAgo(2));
		String recentEnd = contract(yearsAgo(5), yearsAgo(1).plusSeconds(DAY));
		String live = contract(yearsAgo(5), null);
		String pastBoth = contract(yearsAgo(3).minusSeconds(DAY), yearsAgo(1).minusSeconds(DAY));
		assertKept(pastBoth, "before the purge");
		Map<String, Object> stored = record(pastBoth);
		JsonNode shown = shown(pastBoth);

		assertThat(retention.purge()).isGreaterThanOrEqualTo(1);

		assertKept(youngConsent, "3 years less a day after the consent, its contract ended 2 years ago");
		assertKept(recentEnd, "5 years after the consent, its contract ended less than a year ago");
		assertKept(live, "5 years after the consent, its contract still runs");
		assertThat(evidence(pastBoth)).as("erased past both limits").containsExactly(null, null);
		assertThat(record(pastBoth)).as("who, when, the terms, price and wording stay").isEqualTo(stored);
		assertThat(shown(pastBoth)).as("the consent export is unchanged").isEqualTo(shown);

		assertThat(retention.purge()).as("nothing left to erase").isZero();
		assertKept(live, "still running");
	}

	/** A declined purchase's acceptance (ABANDONED), given {@code consentedAt}; returns its disclosure. */
	private String attempt(Instant consentedAt, String status) {
		String account = fixtures.account("US", "CA");
		String declinedCard = fixtures.card(account, "tok_chargeDeclined");
		String disclosure = fixtures.disclosure(account, "antivirus-annual", null);
		Api.Response declined = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual",
				"paymentMethodId", declinedCard, "consent",
				Map.of("disclosureId", disclosure, "method", "CHECKBOX", "ipAddress", IP, "userAgent", AGENT)));
		assertThat(declined.status()).as(declined.toString()).isEqualTo(402);
		jdbc.sql("UPDATE consents SET accepted_at = :at, status = :status WHERE disclosure_id = :d")
			.param("at", Timestamp.from(consentedAt))
			.param("status", status)
			.param("d", disclosure)
			.update();
		return disclosure;
	}

	private String[] attemptEvidence(String disclosure) {
		return jdbc.sql("SELECT ip_address, user_agent FROM consents WHERE disclosure_id = :d")
			.param("d", disclosure)
			.query((rs, n) -> new String[] { rs.getString(1), rs.getString(2) })
			.single();
	}

	@Test
	void anAttemptThatSoldNothingKeepsItsEvidenceThreeYearsSinceItsAcceptanceAndOneUnderWayKeepsIt() {
		String young = attempt(yearsAgo(3).plusSeconds(DAY), "ABANDONED");
		String old = attempt(yearsAgo(3).minusSeconds(DAY), "ABANDONED");
		String underWay = attempt(yearsAgo(4), "PENDING");

		assertThat(retention.purge()).isGreaterThanOrEqualTo(1);

		assertThat(attemptEvidence(young)).as("3 years less a day after the acceptance").containsExactly(IP, AGENT);
		assertThat(attemptEvidence(old)).as("3 years and a day after the acceptance, no contract")
			.containsExactly(null, null);
		assertThat(attemptEvidence(underWay)).as("a purchase still under way").containsExactly(IP, AGENT);
		jdbc.sql("UPDATE consents SET status = 'ABANDONED' WHERE disclosure_id = :d").param("d", underWay).update();
	}
}
