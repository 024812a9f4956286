package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.Formats;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.OwnClockAndDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * R-CA-6: a promotional price for a period longer than 31 days (a retention discount accepted on a yearly plan,
 * charged for one year) ends with a notice 3 to 21 days before the full price is charged: the rule table's
 * UPCOMING_CHARGE 7 days ahead, with the full price, the date and how to cancel, once, for customers whose
 * jurisdiction lists R-CA-6, with the switch {@code subdesk.compliance.pre-billing-notice} off (the default here).
 */
@OwnClockAndDatabase
class PromotionEndingNoticeIntegrationTests extends ApiIntegrationTest {

	private static final String UPCOMING = "UPCOMING_CHARGE";

	private Instant periodEnd(String subscription) {
		return Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"));
	}

	private void acceptDiscount(String subscription) {
		JsonNode quote = api.post("/subscriptions/" + subscription + "/cancellation-quote", Map.of()).json();
		String offer = quote.path("offer").path("id").asString();
		assertThat(offer).as(quote.toString()).isNotBlank();
		assertThat(api.post("/offers/" + offer + "/accept").status()).isEqualTo(200);
	}

	/** An account in {@code region} with a yearly subscription whose next renewal is charged the accepted discount. */
	private String[] yearlyWithAcceptedDiscount(String region) {
		String account = fixtures.account("US", region);
		fixtures.card(account, "tok_visa");
		String yearly = fixtures.subscribe(account, "vpn-annual");
		acceptDiscount(yearly);
		return new String[] { account, yearly };
	}

	private static String day(Instant at) {
		return Formats.date(at.atZone(Formats.dayZone("US")).toLocalDate(), Locale.ENGLISH);
	}

	@Test
	void aCaliforniaYearlyDiscountEndsWithANoticeSevenDaysBeforeTheFullPriceOnceWithThePriceDateAndCancelLink() {
		String[] created = yearlyWithAcceptedDiscount("CA");
		String account = created[0];
		String yearly = created[1];
		String orderNumber = fixtures.subscription(yearly).text("orderNumber");

		// the discounted renewal: the year it starts is the promotion; nothing is told before it
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusHours(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong()).containsExactly(3749L, 4999L);
		assertThat(fixtures.notices(account, UPCOMING)).isEmpty();
		Instant fullPrice = periodEnd(yearly);

		fixtures.advance(Duration.between(fixtures.now(), fullPrice).minusDays(21).plusHours(1));
		assertThat(fixtures.notices(account, UPCOMING)).as("not before 21 days ahead").isEmpty();
		fixtures.advance(Duration.between(fixtures.now(), fullPrice).minusDays(3));
		List<JsonNode> upcoming = fixtures.notices(account, UPCOMING);
		assertThat(upcoming).hasSize(1);
		JsonNode notice = upcoming.get(0);
		assertThat(notice.path("relatedId").asString()).isEqualTo(yearly);
		Instant sent = Instant.parse(notice.path("createdAt").asString());
		assertThat(sent).isBetween(fullPrice.minus(Duration.ofDays(21)), fullPrice.minus(Duration.ofDays(3)))
			.isEqualTo(fullPrice.minus(Duration.ofDays(7)));
		assertThat(notice.path("subject").asString()).contains("discount").contains("$49.99");
		assertThat(notice.path("body").asString()).contains("discounted price")
			.contains("ends")
			.contains("$49.99")
			.contains(day(fullPrice))
			.contains("/cancel?order=" + orderNumber)
			.contains("How to cancel");

		fixtures.advance(Duration.between(fixtures.now(), fullPrice).plusDays(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.containsExactly(4999L, 3749L, 4999L);
		assertThat(fixtures.notices(account, UPCOMING)).as("once per subscription and renewal").hasSize(1);
		// the year after the full-price renewal is no promotion: nothing before the renewal after it
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusHours(1));
		assertThat(fixtures.notices(account, UPCOMING)).hasSize(1);
	}

	/**
	 * A plan's cut below an accepted discount applies at the renewal the discount was for: that renewal charges the
	 * new price, not the discount, so the year it starts is no promotion, and a year on nobody is told that a
	 * "promotional price" ends at the price already paid.
	 */
	@Test
	void aCutBelowTheAcceptedDiscountChargedAtItsRenewalMakesNoPromotionWhoseEndIsAnnounced() {
		String plan = fixtures.plan("promo-cut-below", "P1Y", 5999);
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String yearly = fixtures.subscribe(account, plan);
		Instant renewal = periodEnd(yearly);
		fixtures.advance(Duration.between(fixtures.now(), renewal.minus(Duration.ofDays(60))));
		acceptDiscount(yearly);
		assertThat(fixtures.subscription(yearly).json().path("price").path("amount").asLong()).isEqualTo(4499);
		assertThat(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 3999, "currency", "USD"),
				"effectiveFrom", fixtures.now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
					.toString(), "existingSubscribers", "MOVE")).status()).isEqualTo(201);

		fixtures.advance(Duration.between(fixtures.now(), renewal).plusHours(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.as("the cut, lower than the discount, is what the renewal charged").containsExactly(3999L, 5999L);
		Instant following = periodEnd(yearly);
		fixtures.advance(Duration.between(fixtures.now(), following).plusHours(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.containsExactly(3999L, 3999L, 5999L);
		assertThat(fixtures.notices(account, UPCOMING)).as("no promotion was charged, so none ends").isEmpty();
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	@Test
	void aMonthlyDiscountEndsWithTheReminderStatingTheFullPriceAndNoOtherNotice() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String monthly = fixtures.subscribe(account, "antivirus-monthly");
		acceptDiscount(monthly);
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(monthly)).plusHours(1));
		Instant fullPrice = periodEnd(monthly);

		fixtures.advance(Duration.between(fixtures.now(), fullPrice).plusHours(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.containsExactly(699L, 524L, 699L);
		assertThat(fixtures.notices(account, UPCOMING)).as("a promotion of at most 31 days").isEmpty();
		// the RENEWAL_REMINDER 3 days before (inside 3-21 days) states the full price
		assertThat(fixtures.notices(account, "RENEWAL_REMINDER")).anySatisfy(n -> {
			assertThat(Instant.parse(n.path("createdAt").asString())).isEqualTo(fullPrice.minus(Duration.ofDays(3)));
			assertThat(n.path("body").asString()).contains("$6.99").contains(day(fullPrice));
		});
	}

	@Test
	void aYearlyRenewalWithoutAnAcceptedDiscountGetsNoNewNotice() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String yearly = fixtures.subscribe(account, "vpn-annual");
		// the offer shown but not accepted
		api.post("/subscriptions/" + yearly + "/cancellation-quote", Map.of());
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusHours(1));
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusHours(1));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.containsExactly(4999L, 4999L, 4999L);
		assertThat(fixtures.notices(account, UPCOMING)).isEmpty();
	}

	@Test
	void outsideTheJurisdictionsListingTheRuleTheDiscountedYearEndsWithoutTheNoticeWhileTheSwitchIsOff() {
		String[] created = yearlyWithAcceptedDiscount("TX");
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(created[1])).plusHours(1));
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(created[1])).plusHours(1));
		assertThat(fixtures.charges(created[0])).extracting(c -> c.path("amount").asLong())
			.containsExactly(4999L, 3749L, 4999L);
		assertThat(fixtures.notices(created[0], UPCOMING)).isEmpty();
	}

	@Test
	void aDiscountedYearSetToEndGetsNoNoticeAndOneTurnedBackOnLateGetsItAtOnce() {
		String[] created = yearlyWithAcceptedDiscount("CA");
		String account = created[0];
		String yearly = created[1];
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusHours(1));
		Instant fullPrice = periodEnd(yearly);
		assertThat(fixtures.cancel(yearly, "END_OF_TERM").status()).isEqualTo(200);

		fixtures.advance(Duration.between(fixtures.now(), fullPrice).minusDays(5));
		assertThat(fixtures.notices(account, UPCOMING)).as("never for a subscription set to end").isEmpty();

		Instant resumed = fixtures.now();
		assertThat(api.patch("/subscriptions/" + yearly, Map.of("autoRenew", true)).status()).isEqualTo(200);
		List<JsonNode> upcoming = fixtures.notices(account, UPCOMING);
		assertThat(upcoming).as("a notice that could not go out in time goes out at once").hasSize(1);
		// the test clock runs on from where it was moved: the notice is stamped the moment auto-renewal came back on
		assertThat(Instant.parse(upcoming.get(0).path("createdAt").asString())).isBetween(resumed, fixtures.now())
			.isBefore(fullPrice.minus(Duration.ofDays(3)));
		assertThat(upcoming.get(0).path("body").asString()).contains("$49.99").contains(day(fullPrice));

		fixtures.advance(Duration.between(fixtures.now(), fullPrice).plusHours(1));
		assertThat(fixtures.notices(account, UPCOMING)).hasSize(1);
	}
}
