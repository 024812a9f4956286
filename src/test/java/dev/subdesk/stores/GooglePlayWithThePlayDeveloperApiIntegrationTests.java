package dev.subdesk.stores;

import static dev.subdesk.stores.PlayDeveloperApiFixture.PACKAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The server configured with a service account key reads a Google Play purchase from the Play Developer API (played
 * by {@link FakeGoogleApis} on a local port) instead of the sandbox: a push creates the subscription from Google's
 * answer; while the API is unavailable a push is {@code 503 STORE_UNAVAILABLE} and changes nothing, so Pub/Sub's
 * next push of the same message applies it.
 */
class GooglePlayWithThePlayDeveloperApiIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();

	private static final FakeGoogleApis GOOGLE = PLAY.google();

	@DynamicPropertySource
	static void playDeveloperApi(DynamicPropertyRegistry registry) {
		PLAY.configure(registry);
	}

	@Autowired
	Clock clock;

	@Autowired
	PlaySubscriptionsApi play;

	/**
	 * A new account's purchase at Google, bought five minutes before {@code now} for 30 days, and the message of its
	 * purchase notice with Pub/Sub's push credentials.
	 */
	private final class Purchase {

		final String account = fixtures.account();
		final Api vendor = api.checkedAgainstTheDescription();
		final Instant start;
		final Map<String, Object> message;
		final Api pubSub;

		Purchase(Instant now) {
			String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
			String purchaseToken = "gp-" + UUID.randomUUID();
			start = now.minus(Duration.ofMinutes(5));
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, start.plus(Duration.ofDays(30))));
			message = GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, purchaseToken, now, UUID.randomUUID().toString());
			pubSub = api.with("Authorization",
					"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));
		}
	}

	@Test
	void aPushIsAppliedFromWhatThePlayDeveloperApiAnswersAndRefusedWhileItIsDown() {
		assertThat(play).isInstanceOf(GooglePlayDeveloperApi.class);
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);

		GOOGLE.apiStatus.set(500);
		Api.Response refused = p.pubSub.post("/channels/google/rtdn", p.message);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
		assertThat(refused.json().path("code").asString()).isEqualTo("STORE_UNAVAILABLE");
		assertThat(p.vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").size()).isZero();

		GOOGLE.apiStatus.set(0);
		Api.Response applied = p.pubSub.post("/channels/google/rtdn", p.message);
		assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
		assertThat(applied.json().path("outcome").asString()).isEqualTo("APPLIED");
		JsonNode subscription = p.vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").get(0);
		assertThat(subscription.path("channel").asString()).isEqualTo("GOOGLE_PLAY");
		assertThat(subscription.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(subscription.path("currentPeriodEnd").asString())).isEqualTo(p.start.plus(Duration.ofDays(30)));
		assertThat(GOOGLE.apiAuthorizations).last().asString().startsWith("Bearer ya29.");
	}

	@Test
	void theServiceAccountsAssertionCarriesRealTimeAfterTheTestClockMovedOn() {
		fixtures.advance(Duration.ofDays(40));
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);
		// Google checks the assertion against its own (real) time, and a token kept from before is refused
		GOOGLE.googleTime.set(Clock.systemUTC());
		GOOGLE.forgetAccessTokens();
		int grants = GOOGLE.grants.size();
		try {
			Api.Response applied = p.pubSub.post("/channels/google/rtdn", p.message);
			assertThat(applied.status()).as(applied.toString() + " grants " + GOOGLE.grants).isEqualTo(200);
			assertThat(applied.json().path("outcome").asString()).isEqualTo("APPLIED");
		}
		finally {
			GOOGLE.googleTime.set(null);
		}
		assertThat(GOOGLE.grants).hasSizeGreaterThan(grants);
		assertThat((Instant) GOOGLE.grants.getLast().get("iat")).as("real time, not the test clock's")
			.isBefore(now.minus(Duration.ofDays(39)));
	}
}
