package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Data the App Store signed, its signature good, whose fields PostgreSQL could not store or that are no store ids
 * (U+0000, a control character, a product id of 5,000 characters): a notification is {@code 400 VALIDATION_FAILED}
 * naming {@code signedPayload}, never a {@code 500}, and nothing of it is recorded, so that the next notification of
 * the purchase applies; an answer to a lookup (Get All Subscription Statuses, {@link FakeAppStoreServerApi}) is not
 * applied, logged, and asked again an interval later. The purchases of others go on as before. The account token the
 * app set is the app's text: one that is no token opens a case that quotes it as it can be stored.
 */
@ExtendWith(OutputCaptureExtension.class)
class AppStoreUnstorableFieldsIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final AppStoreServerApiFixture APP_STORE = AppStoreServerApiFixture.start();

	private static final FakeAppStoreServerApi APPLE = APP_STORE.apple();

	@DynamicPropertySource
	static void appStoreServerApi(DynamicPropertyRegistry registry) {
		APP_STORE.configure(registry);
	}

	/** 5,000 characters, U+0000, a control character. */
	private static final String[] UNSTORABLE = { "example.acme." + "m".repeat(5000), "example.acme.\u0000monthly",
			"example.acme.\u001bmonthly" };

	@Autowired
	Clock clock;

	@Autowired
	StoreLookups lookups;

	@Autowired
	JdbcClient jdbc;

	private Api vendor;

	private Api store;

	private Instant now;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
		store = api.with("Authorization", null);
		now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		APPLE.keepTime(clock);
		APPLE.recover();
	}

	@AfterEach
	void reachable() {
		APPLE.recover();
	}

	private AppStorePurchase purchase() {
		return AppStorePurchase.by(vendor, fixtures.account(), clock.instant().truncatedTo(ChronoUnit.SECONDS));
	}

	private Api.Response post(AppStorePurchase p, Map<String, Object> notification) {
		return store.post("/channels/apple/notifications", Map.of("signedPayload", p.signWith(notification)));
	}

	private static void assertRefused(Api.Response answer) {
		assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
		assertThat(answer.code()).isEqualTo("VALIDATION_FAILED");
		assertThat(answer.json().path("errors").findValuesAsString("field")).as(answer.toString())
			.contains("signedPayload");
	}

	private int recorded(String notificationId) {
		return jdbc.sql("SELECT count(*) FROM store_notifications WHERE store = 'APP_STORE' AND notification_id = :id")
			.param("id", notificationId)
			.query(Integer.class)
			.single();
	}

	private int purchasesKept(String originalTransactionId) {
		return jdbc.sql("SELECT count(*) FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :id")
			.param("id", originalTransactionId)
			.query(Integer.class)
			.single();
	}

	private int subscriptionsOf(String account) {
		return vendor.get("/accounts/" + account + "/subscriptions").json().path("data").size();
	}

	@Test
	void aSignedProductIdThatCannotBeStoredIs400AndNothingIsRecordedTillAGoodNoticeOfThePurchase() {
		AppStorePurchase p = purchase();
		for (String product : UNSTORABLE) {
			p.product = product;
			String uuid = UUID.randomUUID().toString();
			assertRefused(post(p, p.notification("SUBSCRIBED", "INITIAL_BUY", now, uuid, p.transaction())));
			assertThat(recorded(uuid)).as("the notification is not recorded: its next delivery applies").isZero();
		}
		assertThat(purchasesKept(p.originalTransactionId())).isZero();
		assertThat(subscriptionsOf(p.account)).isZero();

		AppStorePurchase other = purchase();
		assertThat(other.notify("SUBSCRIBED", "INITIAL_BUY", now)).as("another purchase goes on").isEqualTo("APPLIED");
		p.product = AppStorePurchase.PRODUCT;
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("ACTIVE");
	}

	@Test
	void aSignedIdTypeOrSubtypeThatCannotBeStoredIs400AndNothingIsRecorded() {
		AppStorePurchase p = purchase();
		for (String bad : new String[] { "a\u0000b", "9".repeat(5000), "a\u0007b" }) {
			String uuid = UUID.randomUUID().toString();
			Map<String, Object> transaction = p.transaction();
			transaction.put("originalTransactionId", bad);
			assertRefused(post(p, p.notification("SUBSCRIBED", "INITIAL_BUY", now, uuid, transaction)));
			assertRefused(post(p, p.notification("SUBSCRIBED", bad, now, uuid, p.transaction())));
			assertRefused(post(p, p.notification("SUBSCRIBED" + bad, null, now, uuid, p.transaction())));
			assertThat(recorded(uuid)).isZero();
			String mark = UUID.randomUUID().toString();
			assertRefused(post(p, p.notification("SUBSCRIBED", "INITIAL_BUY", now, bad + mark, p.transaction())));
			assertThat(jdbc.sql("SELECT count(*) FROM store_notifications WHERE notification_id LIKE :id")
				.param("id", "%" + mark)
				.query(Integer.class)
				.single()).isZero();
		}
		assertThat(purchasesKept(p.originalTransactionId())).isZero();
		assertThat(subscriptionsOf(p.account)).isZero();
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
	}

	@Test
	void aSignedDateNoTimestampCanHoldIs400AndNothingIsRecorded() {
		AppStorePurchase p = purchase();
		for (long millis : new long[] { Long.MAX_VALUE, 9_000_000_000_000_000L, -1 }) {
			String uuid = UUID.randomUUID().toString();
			Map<String, Object> signedLate = p.notification("SUBSCRIBED", "INITIAL_BUY", now, uuid, p.transaction());
			signedLate.put("signedDate", millis);
			assertRefused(post(p, signedLate));
			Map<String, Object> transaction = p.transaction();
			transaction.put("expiresDate", millis);
			assertRefused(post(p, p.notification("SUBSCRIBED", "INITIAL_BUY", now, uuid, transaction)));
			assertThat(recorded(uuid)).isZero();
		}
		assertThat(purchasesKept(p.originalTransactionId())).isZero();
		assertThat(subscriptionsOf(p.account)).isZero();
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
	}

	@Test
	void anAccountTokenThatCannotBeStoredOpensACaseQuotingItAsItCanBe() {
		AppStorePurchase p = purchase();
		Map<String, Object> transaction = p.transaction();
		transaction.put("appAccountToken", "not-\u0000-a-token\u001b" + "x".repeat(5000));
		Api.Response answer = post(p, p.notification("SUBSCRIBED", "INITIAL_BUY", now, UUID.randomUUID().toString(),
				transaction));

		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.json().path("outcome").asString()).isEqualTo("UNMATCHED");
		String subject = jdbc.sql("SELECT subject FROM support_cases WHERE case_number = :n")
			.param("n", answer.json().path("caseNumber").asString())
			.query(String.class)
			.single();
		assertThat(subject).contains(p.originalTransactionId()).contains("not-\ufffd-a-token\ufffdxxx").hasSizeLessThan(400);
		assertThat(subscriptionsOf(p.account)).isZero();
	}

	@Test
	void aLookupAnswerWhoseSignedProductIdCannotBeStoredIsNotAppliedAndAskedAgainLater(CapturedOutput output) {
		AppStorePurchase bad = purchase();
		AppStorePurchase good = purchase();
		assertThat(bad.notify("SUBSCRIBED", "INITIAL_BUY", clock.instant())).isEqualTo("APPLIED");
		assertThat(good.notify("SUBSCRIBED", "INITIAL_BUY", clock.instant())).isEqualTo("APPLIED");
		Instant end = bad.end.isAfter(good.end) ? bad.end : good.end;
		for (AppStorePurchase p : new AppStorePurchase[] { bad, good }) {
			p.start = p.end;
			p.end = p.end.plus(Duration.ofDays(30));
		}
		APPLE.put(good.originalTransactionId(), good.statusesSignedWhenAsked(1));
		fixtures.advance(Duration.between(fixtures.now(), end.plus(Duration.ofMinutes(61))));

		for (String product : UNSTORABLE) {
			bad.product = product;
			APPLE.put(bad.originalTransactionId(), bad.statusesSignedWhenAsked(1));
			String before = bad.subscription().toString();
			long asked = APPLE.asked(bad.originalTransactionId());

			lookups.run(); // returns: an answer that cannot be applied never fails the job

			assertThat(APPLE.asked(bad.originalTransactionId())).isEqualTo(asked + 1);
			assertThat(output.getAll()).contains("The App Store's answer about purchase " + bad.originalTransactionId()
					+ " could not be applied").contains("productId");
			assertThat(bad.subscription().toString()).isEqualTo(before);
			assertThat(jdbc.sql("""
					SELECT count(*) FROM store_notifications
					WHERE store = 'APP_STORE' AND purchase_id = :p AND type = 'LOOKUP'
					""").param("p", bad.originalTransactionId()).query(Integer.class).single()).isZero();
			assertThat(jdbc.sql("SELECT product_id FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :p")
				.param("p", bad.originalTransactionId())
				.query(String.class)
				.single()).isEqualTo(AppStorePurchase.PRODUCT);
			Instant due = jdbc.sql("SELECT lookup_due_at FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :p")
				.param("p", bad.originalTransactionId())
				.query(java.sql.Timestamp.class)
				.single()
				.toInstant();
			assertThat(due).as("asked again an interval later").isAfter(fixtures.now());
			fixtures.advance(Duration.between(fixtures.now(), due));
		}
		JsonNode renewed = good.subscription();
		assertThat(Instant.parse(renewed.path("currentPeriodEnd").asString())).as("another purchase goes on")
			.isEqualTo(good.end);

		bad.product = AppStorePurchase.PRODUCT;
		APPLE.put(bad.originalTransactionId(), bad.statusesSignedWhenAsked(1));
		lookups.run();
		assertThat(Instant.parse(bad.subscription().path("currentPeriodEnd").asString())).isEqualTo(bad.end);
	}
}
