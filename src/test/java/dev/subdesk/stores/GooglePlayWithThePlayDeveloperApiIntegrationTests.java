package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
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

	private static final String PACKAGE = "example.acme.app";

	private static final FakeGoogleApis GOOGLE;

	private static final Path KEY_FILE;

	static {
		try {
			GOOGLE = new FakeGoogleApis();
			KEY_FILE = GOOGLE.writeKeyFile(Files.createTempDirectory("play-key"));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	@DynamicPropertySource
	static void playDeveloperApi(DynamicPropertyRegistry registry) {
		registry.add("subdesk.stores.google.api.service-account-key", () -> KEY_FILE.toUri().toString());
		registry.add("subdesk.stores.google.api.base-url", () -> GOOGLE.base().toString());
		registry.add("subdesk.stores.google.api.timeout", () -> "PT5S");
	}

	@AfterAll
	static void stop() throws IOException {
		GOOGLE.close();
		Files.deleteIfExists(KEY_FILE);
	}

	@Autowired
	Clock clock;

	@Autowired
	PlaySubscriptionsApi play;

	@Test
	void aPushIsAppliedFromWhatThePlayDeveloperApiAnswersAndRefusedWhileItIsDown() {
		assertThat(play).isInstanceOf(GooglePlayDeveloperApi.class);
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		String account = fixtures.account();
		Api vendor = api.checkedAgainstTheDescription();
		String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
		String purchaseToken = "gp-" + UUID.randomUUID();
		Instant start = now.minus(Duration.ofMinutes(5));
		GOOGLE.put(PACKAGE, purchaseToken, GooglePlayDeveloperApiTests.PURCHASE
			.replace("2026-11-03T09:59:00.123Z", start.toString())
			.replace("2026-12-03T09:59:00.123Z", start.plus(Duration.ofDays(30)).toString())
			.replace("0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f", link)
			.replace("example.acme.antivirus.monthly", "antivirus-monthly"));
		var message = GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, purchaseToken, now, UUID.randomUUID().toString());
		Api pubSub = api.with("Authorization",
				"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));

		GOOGLE.apiStatus.set(500);
		Api.Response refused = pubSub.post("/channels/google/rtdn", message);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
		assertThat(refused.json().path("code").asString()).isEqualTo("STORE_UNAVAILABLE");
		assertThat(vendor.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();

		GOOGLE.apiStatus.set(0);
		Api.Response applied = pubSub.post("/channels/google/rtdn", message);
		assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
		assertThat(applied.json().path("outcome").asString()).isEqualTo("APPLIED");
		JsonNode subscription = vendor.get("/accounts/" + account + "/subscriptions").json().path("data").get(0);
		assertThat(subscription.path("channel").asString()).isEqualTo("GOOGLE_PLAY");
		assertThat(subscription.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(subscription.path("currentPeriodEnd").asString())).isEqualTo(start.plus(Duration.ofDays(30)));
		assertThat(GOOGLE.apiAuthorizations).last().asString().startsWith("Bearer ya29.");
	}

	@Test
	void theServiceAccountsAssertionCarriesRealTimeAfterTheTestClockMovedOn() {
		fixtures.advance(Duration.ofDays(40));
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		String account = fixtures.account();
		Api vendor = api.checkedAgainstTheDescription();
		String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
		String purchaseToken = "gp-" + UUID.randomUUID();
		Instant start = now.minus(Duration.ofMinutes(5));
		GOOGLE.put(PACKAGE, purchaseToken, GooglePlayDeveloperApiTests.PURCHASE
			.replace("2026-11-03T09:59:00.123Z", start.toString())
			.replace("2026-12-03T09:59:00.123Z", start.plus(Duration.ofDays(30)).toString())
			.replace("0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f", link)
			.replace("example.acme.antivirus.monthly", "antivirus-monthly"));
		var message = GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, purchaseToken, now, UUID.randomUUID().toString());
		Api pubSub = api.with("Authorization",
				"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));
		// Google checks the assertion against its own (real) time, and a token kept from before is refused
		GOOGLE.googleTime.set(Clock.systemUTC());
		GOOGLE.forgetAccessTokens();
		int grants = GOOGLE.grants.size();
		try {
			Api.Response applied = pubSub.post("/channels/google/rtdn", message);
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
