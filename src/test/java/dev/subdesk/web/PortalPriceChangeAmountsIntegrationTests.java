package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.Formats;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What "My subscriptions" says a pending price change costs is what the renewals charge: the next charge is the
 * amount the next renewal will be charged (the new price; a retention discount accepted before the notice where it
 * is lower, with the new price from the renewal after it), as the API's {@code price} says.
 */
@SubdeskIntegrationTest
class PortalPriceChangeAmountsIntegrationTests extends PortalTestSupport {

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	/** A day as the portal of a customer in Ireland shows it. */
	private static String day(Instant at) {
		return Formats.date(at.atZone(Formats.zone("IE")).toLocalDate(), Locale.ENGLISH);
	}

	private void advanceTo(Instant at) {
		fixtures.advance(Duration.between(now(), at));
	}

	@Test
	void thePortalTellsWhatTheNextRenewalChargesWithADiscountAcceptedBeforeTheNotice() {
		String plan = fixtures.plan("portal-price-amounts", "P1Y", 1000);
		Customer plain = customerWith(plan);
		Customer discounted = customerWith(plan);
		Instant renewal = Instant.parse(fixtures.subscription(discounted.subscription()).text("currentPeriodEnd"));
		Instant plainRenewal = Instant.parse(fixtures.subscription(plain.subscription()).text("currentPeriodEnd"));
		Instant after = ZonedDateTime.ofInstant(renewal, ZoneOffset.UTC).plusYears(1).toInstant();
		advanceTo(renewal.minus(Duration.ofDays(60)));
		JsonNode offer = api.post("/subscriptions/" + discounted.subscription() + "/cancellation-quote", Map.of())
			.json()
			.path("offer");
		assertThat(api.post("/offers/" + offer.path("id").asString() + "/accept").status()).isEqualTo(200);
		var scheduled = api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1400, "currency", "USD"),
				"effectiveFrom", now().plus(Duration.ofDays(31)).truncatedTo(ChronoUnit.SECONDS).toString(),
				"existingSubscribers", "MOVE"));
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		Instant last = renewal.isAfter(plainRenewal) ? renewal : plainRenewal;
		advanceTo(last.minus(Duration.ofDays(30)).plusSeconds(1));

		String page = new PortalSession(port).signIn(api, discounted.account()).get("/portal").body();
		assertThat(page).contains("Your price changes from $10.00 to $14.00 on " + day(after),
				"Your renewal on " + day(renewal) + " is charged $7.50, the discount you accepted",
				"$7.50 on " + day(renewal), "the subscription ends on " + day(after), "Let it end on " + day(renewal), "Accept the new price of $14.00");
		String plainPage = new PortalSession(port).signIn(api, plain.account()).get("/portal").body();
		assertThat(plainPage).as("if it renews at all, at the new price")
			.contains("Your price changes from $10.00 to $14.00 on " + day(plainRenewal), "$14.00 on " + day(plainRenewal))
			.doesNotContain("$10.00 on " + day(plainRenewal));
		// the plans on sale stay the catalog the other classes count
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}
}
