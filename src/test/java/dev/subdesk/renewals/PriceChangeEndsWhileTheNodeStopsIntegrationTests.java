package dev.subdesk.renewals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The ends of subscriptions whose consent to a price increase is missing at their renewal go one subscription a
 * transaction; once the node begins to stop, none is ended after the one in hand, and the next run ends the rest (as
 * the scheduled ends and the price change notices do, ChunkedJobsStopIntegrationTests). Its own plan (db/testdata).
 */
class PriceChangeEndsWhileTheNodeStopsIntegrationTests extends ApiIntegrationTest {

	/** The PRICE_CHANGE lead of the rule table for a yearly term. */
	private static final Duration LEAD = Duration.ofDays(30);

	@Autowired
	PriceChangeJobs jobs;

	@Autowired
	JdbcClient jdbc;

	@Test
	void onceTheNodeStopsNoSubscriptionIsEndedAfterTheOneInHandAndTheNextRunEndsTheRest() {
		String plan = "price-test-annual-9";
		List<String> subscriptions = IntStream.range(0, 3).mapToObj(i -> {
			String account = fixtures.account("DE", null);
			fixtures.card(account, "tok_visa");
			return fixtures.subscribe(account, plan);
		}).toList();
		List<Instant> renewals = subscriptions.stream()
			.map(id -> Instant.parse(fixtures.subscription(id).json().path("currentPeriodEnd").asString()))
			.sorted(Comparator.naturalOrder())
			.toList();
		Instant lastRenewal = renewals.getLast();
		Instant effective = now().plus(LEAD).plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
		assertThat(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1200, "currency", "USD"),
				"effectiveFrom", effective.toString(), "existingSubscribers", "MOVE")).status()).isEqualTo(201);
		// every subscriber told, asked for consent; none gives it
		fixtures.advance(Duration.between(now(), lastRenewal.minus(LEAD).plusSeconds(1)));
		Instant after = lastRenewal.plusSeconds(60);
		// the job takes every plan's lapsed changes by renewal: those other tests left in the shared database with an
		// earlier renewal go first, so that the ones here are all that is left to end up to `after`
		jobs.endWithoutConsent(renewals.getFirst().minusSeconds(1), () -> false);

		AtomicInteger asked = new AtomicInteger();
		int ended = jobs.endWithoutConsent(after, () -> asked.incrementAndGet() > 0);

		assertThat(ended).as("the one in hand only, none after the stop began").isEqualTo(1);
		assertThat(endingAtTermsEnd(subscriptions)).isEqualTo(1);

		assertThat(jobs.endWithoutConsent(after, () -> false)).as("the next run").isEqualTo(2);
		assertThat(endingAtTermsEnd(subscriptions)).isEqualTo(3);
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	private long endingAtTermsEnd(List<String> subscriptions) {
		return jdbc.sql("SELECT count(*) FROM subscriptions WHERE id = ANY(:ids) AND cancel_at IS NOT NULL")
			.param("ids", subscriptions.toArray(String[]::new))
			.query(Long.class)
			.single();
	}
}
