package dev.subdesk.stores;

import static dev.subdesk.stores.PlayDeveloperApiFixture.PACKAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Both stores asked by one server ({@link FakeGoogleApis} and {@link FakeAppStoreServerApi} on local ports, a batch
 * of {@value #BATCH}): each store gets its own share of every run, so one store's backlog or outage never delays the
 * other's lookups.
 */
class StoreLookupsFairnessIntegrationTests extends ApiIntegrationTest {

	private static final int BATCH = 4;

	@AutoClose
	private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();

	private static final FakeGoogleApis GOOGLE = PLAY.google();

	@AutoClose
	private static final AppStoreServerApiFixture APP_STORE = AppStoreServerApiFixture.start();

	private static final FakeAppStoreServerApi APPLE = APP_STORE.apple();

	@DynamicPropertySource
	static void storeApis(DynamicPropertyRegistry registry) {
		PLAY.configure(registry);
		APP_STORE.configure(registry);
		registry.add("subdesk.stores.lookup-batch", () -> String.valueOf(BATCH));
	}

	@Autowired
	Clock clock;

	@Autowired
	StoreLookups lookups;

	private Api vendor;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
		APPLE.keepTime(clock);
		reachable();
	}

	@AfterEach
	void reachable() {
		GOOGLE.apiStatus.set(0);
		APPLE.recover();
	}

	/** A Google Play purchase, its first notice applied: it ends a month after now. */
	private String googlePurchase() {
		String account = fixtures.account();
		String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
		String token = "gp-" + UUID.randomUUID();
		Instant start = clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
		GOOGLE.put(PACKAGE, token, PlayDeveloperApiFixture.purchase(link, start, start.plus(Duration.ofDays(30))));
		Instant now = clock.instant();
		Api.Response answer = api
			.with("Authorization", "Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()))
			.post("/channels/google/rtdn", GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, token, now,
					UUID.randomUUID().toString()));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.json().path("outcome").asString()).isEqualTo("APPLIED");
		return token;
	}

	/** An App Store purchase, its SUBSCRIBED notice applied, renewed in the store (its notice lost). */
	private AppStorePurchase appStorePurchase() {
		AppStorePurchase p = AppStorePurchase.by(vendor, fixtures.account(), clock.instant().truncatedTo(ChronoUnit.SECONDS));
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", clock.instant())).isEqualTo("APPLIED");
		Instant end = p.end;
		p.start = end;
		p.end = end.plus(Duration.ofDays(30));
		APPLE.put(p.originalTransactionId(), p.statusesSignedWhenAsked(1));
		p.end = end; // its end as the server knows it
		return p;
	}

	@Test
	void aFailingStoresBacklogDueEarlierDoesNotKeepTheOtherStoresDuePurchasesWaiting() {
		List<String> backlog = IntStream.range(0, 3 * BATCH).mapToObj(i -> googlePurchase()).toList();
		fixtures.advance(Duration.ofHours(2)); // the App Store's purchases end later: due after all of Google's
		List<AppStorePurchase> apple = IntStream.range(0, 2).mapToObj(i -> appStorePurchase()).toList();
		Instant latest = apple.stream().map(p -> p.end).max(Instant::compareTo).orElseThrow();
		fixtures.advance(Duration.between(fixtures.now(), latest.plus(Duration.ofMinutes(61))));
		GOOGLE.apiStatus.set(503); // Google fails every call

		StoreLookups.Run run = lookups.run();

		apple.forEach(p -> assertThat(APPLE.asked(p.originalTransactionId()))
			.as("asked in the first run (%s)", run).isEqualTo(1));
		assertThat(run.applied()).as(run.toString()).isEqualTo(apple.size());
		long googleLookups = GOOGLE.asked.stream().filter(backlog::contains).count() - backlog.size(); // less the notices
		assertThat(googleLookups).as("Google asked until it failed %d times in a row", StoreLookups.FAILURES_IN_A_ROW)
			.isEqualTo(StoreLookups.FAILURES_IN_A_ROW);
	}
}
