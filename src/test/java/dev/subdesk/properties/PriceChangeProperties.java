package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * No price increase is charged before its notice period (issue 12's acceptance), over real HTTP: whatever the
 * customer's jurisdiction, however far ahead the change is scheduled, whenever the subscription was bought, whether
 * auto-renewal was off for a while and whether the customer agreed, a renewal charge at a plan's new price always
 * comes at least the rule table's 7 days (minDaysBefore: the near end of R-CA-8's 7-30 days and R-NY-2's 5-30; the
 * notice goes out 30 days ahead unless it comes late) after the subscription's PRICE_CHANGE notice, and in the EU only after the
 * customer's recorded consent; without it there, the subscription is never charged the new price.
 */
class PriceChangeProperties {

	private static final Duration MINIMUM_LEAD = Duration.ofDays(7);

	private static final List<String[]> PLACES = List.of(new String[] { "US", "CA" }, new String[] { "US", "NY" },
			new String[] { "DE", null }, new String[] { "GB", null });

	private static SubdeskServer server;
	private static Api api;
	private static Fixtures fixtures;

	@BeforeContainer
	static void startServer() {
		server = SubdeskServer.start();
		api = server.api();
		fixtures = server.fixtures();
	}

	@AfterContainer
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	private static Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	@Property(tries = 8)
	void noRenewalIsChargedANewPriceWithoutTheNoticeLeadAndTheRequiredConsent(@ForAll @IntRange(min = 0, max = 3) int place,
			@ForAll @IntRange(min = 30, max = 400) int effectiveInDays, @ForAll @IntRange(min = 0, max = 60) int boughtAfterDays,
			@ForAll @IntRange(min = 0, max = 5) int pausedFor, @ForAll boolean consents,
			@ForAll @LongRange(min = 1001, max = 3000) long newAmount) {
		String plan = "price-test-annual-1";
		String[] where = PLACES.get(place);
		String account = fixtures.account(where[0], where[1]);
		fixtures.card(account, "tok_visa");
		Instant effective = now().plus(Duration.ofDays(effectiveInDays)).truncatedTo(ChronoUnit.SECONDS);
		Api.Response scheduled = api.post("/plans/" + plan + "/price-changes", Map.of("price",
				Map.of("amount", newAmount, "currency", "USD"), "effectiveFrom", effective.toString(), "existingSubscribers", "MOVE"));
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		fixtures.advance(Duration.ofDays(boughtAfterDays).plusSeconds(1));
		String sub = fixtures.subscribe(account, plan);
		// what the purchase paid (the subscription's price is what its next renewal will cost: a change its disclosure
		// stated for the first renewal shows there from the purchase on)
		long oldAmount = fixtures.charges(account).getFirst().path("amount").asLong();
		if (pausedFor > 0) { // auto-renewal off for a while (from the 300th day), so a notice may come late
			fixtures.advance(Duration.ofDays(300));
			fixtures.cancel(sub, "END_OF_TERM");
			fixtures.advance(Duration.ofDays(pausedFor * 11L));
			api.post("/subscriptions/" + sub + "/resume");
		}
		for (int step = 0; step < 16; step++) { // 800 days, the customer looking at the change every 50 days
			fixtures.advance(Duration.ofDays(50));
			Api.Response pending = api.get("/subscriptions/" + sub + "/price-change");
			if (consents && pending.status() == 200 && pending.json().path("consentRequired").asBoolean()) {
				api.post("/subscriptions/" + sub + "/price-change-consent", Map.of());
			}
		}

		List<JsonNode> notices = api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values()
			.stream()
			.filter(n -> n.path("type").asString().equals("PRICE_CHANGE"))
			.toList();
		assertThat(notices).as("one notice per subscription and change").hasSizeLessThanOrEqualTo(1);
		boolean euConsent = where[0].equals("DE");
		int atNewPrice = 0;
		for (JsonNode charge : api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values()) {
			if (charge.path("amount").asLong() == oldAmount || !charge.path("status").asString().equals("SUCCEEDED")) {
				continue;
			}
			atNewPrice++;
			Instant periodStart = Instant.parse(charge.path("periodStart").asString());
			assertThat(notices).as("a charge at the new price %s has its notice", charge).hasSize(1);
			assertThat(Instant.parse(notices.get(0).path("createdAt").asString()))
				.as("the notice went out at least the lead before the renewal it applies at")
				.isBeforeOrEqualTo(periodStart.minus(MINIMUM_LEAD));
			if (euConsent && newAmount > oldAmount) {
				assertThat(consents).as("no consent, no new price in the EU").isTrue();
			}
		}
		net.jqwik.api.statistics.Statistics.label("renewals charged at the new price").collect(atNewPrice > 0);
	}
}
