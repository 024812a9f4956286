package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;

/**
 * A batch of PRICE_CHANGE notices works out the API's price of its subscriptions (SubscriptionPriceChanges
 * .atNextRenewal, one read of their pending changes each time) twice: before its notices and after them, the
 * subscription.updated it records carrying the price after (SubscriptionAsShown), not worked out a third time by the
 * edge. Every statement the application prepares while the batch runs is recorded (the data source proxy of
 * {@link OneCancellationReadsEachRowOnceIntegrationTests}, whose context this shares).
 */
@Import(OneCancellationReadsEachRowOnceIntegrationTests.RecordStatements.class)
class PriceChangeNoticeBatchWorksOutPricesOnceIntegrationTests extends ApiIntegrationTest {

	/** The statement that reads subscriptions' pending changes: once per working-out of their API price. */
	/** The read of the pending changes: alone, or with every plan change when some subscription is in its first term. */
	private static final java.util.regex.Pattern PENDING_READ = java.util.regex.Pattern
		.compile("ORDER BY p.subscription_id, c.effective_from DESC|FROM plan_price_changes c LEFT JOIN subscription_price_changes p");

	@Autowired
	private SubscriptionPriceChanges priceChanges;

	@Autowired
	private TestClock clock;

	@Test
	void aNoticeBatchWorksOutItsSubscriptionsPricesBeforeAndAfterItsNoticesAndNoMore() {
		String plan = fixtures.plan("notice-batch-views", "P1Y", 1000);
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		List<String> subs = List.of(fixtures.subscribe(account, plan), fixtures.subscribe(account, plan),
				fixtures.subscribe(account, plan));
		Instant renewal = Instant.parse(fixtures.subscription(subs.getLast()).text("currentPeriodEnd"));
		fixtures.advance("PT1H"); // after the purchases: announced by the notice only
		Api.Response scheduled = api.post("/plans/" + plan + "/price-changes",
				Map.of("price", Map.of("amount", 1250, "currency", "USD"), "effectiveFrom",
						fixtures.now().plus(Duration.ofDays(31)).toString(), "existingSubscribers", "MOVE"));
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		clock.moveTo(renewal.minus(Duration.ofDays(30)).plusSeconds(1)); // every notice due, none sent yet

		OneCancellationReadsEachRowOnceIntegrationTests.recorded.clear();
		OneCancellationReadsEachRowOnceIntegrationTests.recording = true;
		int sent;
		try {
			sent = priceChanges.sendNotices(clock.instant(), 1000);
		}
		finally {
			OneCancellationReadsEachRowOnceIntegrationTests.recording = false;
		}
		List<String> statements = new ArrayList<>(OneCancellationReadsEachRowOnceIntegrationTests.recorded);

		assertThat(sent).isGreaterThanOrEqualTo(3);
		assertThat(statements.stream().filter(s -> PENDING_READ.matcher(s).find()))
			.as("the API's price worked out before the notices and after them, once each:\n%s", String.join("\n", statements))
			.hasSize(2);
		for (String sub : subs) {
			assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong()).isEqualTo(1250);
			List<JsonNode> updated = api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values()
				.stream()
				.filter(e -> e.path("type").asString().equals("subscription.updated"))
				.toList();
			assertThat(updated).as("the event carries the price after the notice").singleElement()
				.satisfies(e -> assertThat(e.path("data").path("price").path("amount").asLong()).isEqualTo(1250));
		}
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}
}
