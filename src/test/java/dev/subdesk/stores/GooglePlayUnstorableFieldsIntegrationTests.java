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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the Play Developer API answers (played by {@link FakeGoogleApis}) with a {@code productId} or
 * {@code subscriptionState} PostgreSQL could not store or that is no product id or state (U+0000, an unpaired
 * surrogate, 5,000 characters): the push that read it is {@code 400 VALIDATION_FAILED} naming {@code message.data},
 * never a {@code 500}, and nothing of it is recorded, so that Pub/Sub's next push of the same message applies once
 * Google answers well; a lookup that read it is not applied, is logged and is asked again an interval later. The
 * purchases of others go on as before. The {@code obfuscatedExternalAccountId} is the app's text: one that is no token
 * opens a case that quotes it as it can be stored.
 */
@ExtendWith(OutputCaptureExtension.class)
class GooglePlayUnstorableFieldsIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();

	private static final FakeGoogleApis GOOGLE = PLAY.google();

	@DynamicPropertySource
	static void playDeveloperApi(DynamicPropertyRegistry registry) {
		PLAY.configure(registry);
	}

	/** As JSON escapes in Google's answer: 5,000 characters, U+0000, an unpaired surrogate, a control character. */
	private static final String[] UNSTORABLE = { "antivirus-" + "m".repeat(5000), "antivirus-\\u0000monthly",
			"antivirus-\\ud800monthly", "antivirus-\\u001bmonthly" };

	@Autowired
	Clock clock;

	@Autowired
	StoreLookups lookups;

	@Autowired
	JdbcClient jdbc;

	private Api vendor;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
		GOOGLE.apiStatus.set(0);
	}

	/** A purchase on Google Play by a new account whose app set the account's token. */
	final class Purchase {

		final String account = fixtures.account();
		final String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
		final String token = "gp-" + UUID.randomUUID();
		final Instant start = clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
		Instant end = start.plus(Duration.ofDays(30));

		/** What Google answers about it from now on, with {@code product} and {@code state} as JSON text. */
		void google(String product, String state) {
			GOOGLE.put(PACKAGE, token, PlayDeveloperApiFixture.purchase(link, start, end)
				.replace("\"antivirus-monthly\"", "\"" + product + "\"")
				.replace("SUBSCRIPTION_STATE_ACTIVE", state));
		}

		void google() {
			google("antivirus-monthly", "SUBSCRIPTION_STATE_ACTIVE");
		}

		/** What Google answers about it from now on, with {@code startTime} and {@code expiryTime} as these strings. */
		void googleDates(String startTime, String expiryTime) {
			GOOGLE.put(PACKAGE, token, PlayDeveloperApiFixture.purchase(link, start, end)
				.replace(start.toString(), startTime)
				.replace(end.toString(), expiryTime));
		}

		Map<String, Object> message(String messageId) {
			return GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, token, clock.instant(), messageId);
		}

		Api.Response push(Map<String, Object> message) {
			return api.with("Authorization", "Bearer " + GooglePushSigner.trusted()
				.sign(GooglePushSigner.claims(clock.instant()).build())).post("/channels/google/rtdn", message);
		}

		int subscriptions() {
			return vendor.get("/accounts/" + account + "/subscriptions").json().path("data").size();
		}

		Instant periodEnd() {
			return Instant.parse(vendor.get("/accounts/" + account + "/subscriptions")
				.json()
				.path("data")
				.get(0)
				.path("currentPeriodEnd")
				.asString());
		}

		String productKept() {
			return jdbc.sql("SELECT product_id FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
				.param("p", token)
				.query(String.class)
				.single();
		}

		int recorded() {
			return jdbc.sql("SELECT count(*) FROM store_notifications WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
				.param("p", token)
				.query(Integer.class)
				.single();
		}
	}

	private static void assertRefused(Api.Response answer) {
		assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
		assertThat(answer.code()).isEqualTo("VALIDATION_FAILED");
		assertThat(answer.json().path("errors").findValuesAsString("field")).as(answer.toString())
			.contains("message.data");
	}

	private int notificationsWithId(String messageId) {
		return jdbc.sql("SELECT count(*) FROM store_notifications WHERE store = 'GOOGLE_PLAY' AND notification_id = :id")
			.param("id", messageId)
			.query(Integer.class)
			.single();
	}

	@Test
	void aPushWhoseAnswerHasAProductIdOrStateThatCannotBeStoredIs400AndPubSubsNextPushApplies() {
		Purchase p = new Purchase();
		String messageId = String.valueOf(System.nanoTime());
		for (String bad : UNSTORABLE) {
			p.google(bad, "SUBSCRIPTION_STATE_ACTIVE");
			assertRefused(p.push(p.message(messageId)));
			p.google("antivirus-monthly", bad.replace("antivirus-", "SUBSCRIPTION_STATE_"));
			assertRefused(p.push(p.message(messageId)));
		}
		assertThat(notificationsWithId(messageId)).isZero();
		assertThat(p.recorded()).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.token)
			.query(Integer.class)
			.single()).isZero();
		assertThat(p.subscriptions()).isZero();

		Purchase other = new Purchase();
		other.google();
		Api.Response applied = other.push(other.message(UUID.randomUUID().toString()));
		assertThat(applied.json().path("outcome").asString()).as("another purchase goes on").isEqualTo("APPLIED");

		p.google();
		Api.Response again = p.push(p.message(messageId));
		assertThat(again.status()).as(again.toString()).isEqualTo(200);
		assertThat(again.json().path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(p.subscriptions()).isOne();
	}

	/** RFC 3339 dates {@code Instant.parse} reads: past PostgreSQL's last timestamp, and before 1970. */
	private static final String[] UNSTORABLE_DATES = { "+300000-01-01T00:00:00Z", "1969-12-31T23:59:59Z" };

	@Test
	void aPushWhoseAnswerHasADateNoTimestampCanHoldIs400AndPubSubsNextPushApplies() {
		Purchase p = new Purchase();
		String messageId = String.valueOf(System.nanoTime());
		for (String bad : UNSTORABLE_DATES) {
			p.googleDates(p.start.toString(), bad);
			assertRefused(p.push(p.message(messageId)));
			p.googleDates(bad, p.end.toString());
			assertRefused(p.push(p.message(messageId)));
		}
		assertThat(notificationsWithId(messageId)).isZero();
		assertThat(p.recorded()).isZero();
		assertThat(p.subscriptions()).isZero();

		p.google();
		Api.Response again = p.push(p.message(messageId));
		assertThat(again.status()).as(again.toString()).isEqualTo(200);
		assertThat(again.json().path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(p.periodEnd()).isEqualTo(p.end);
	}

	@Test
	void aLookupAnswerWithADateNoTimestampCanHoldIsNotAppliedAndAskedAgainLater(CapturedOutput output) {
		Purchase bad = new Purchase();
		bad.google();
		assertThat(bad.push(bad.message(UUID.randomUUID().toString())).json().path("outcome").asString())
			.isEqualTo("APPLIED");
		Instant paidUntil = bad.end;
		bad.end = bad.end.plus(Duration.ofDays(30)); // renewed at Google; its notice is lost
		int recorded = bad.recorded();
		fixtures.advance(Duration.between(fixtures.now(), paidUntil.plus(Duration.ofMinutes(61))));

		for (String date : UNSTORABLE_DATES) {
			for (boolean expiry : new boolean[] { true, false }) {
				if (expiry) {
					bad.googleDates(bad.start.toString(), date);
				}
				else {
					bad.googleDates(date, bad.end.toString());
				}
				long asked = GOOGLE.asked.stream().filter(bad.token::equals).count();

				lookups.run();

				assertThat(GOOGLE.asked.stream().filter(bad.token::equals).count()).isEqualTo(asked + 1);
				assertThat(output.getAll()).contains("Google Play's answer about purchase whose token hashes to "
						+ StoreFields.tokenHash(bad.token) + " could not be applied")
					.contains(expiry ? "expiryTime" : "startTime").doesNotContain(bad.token);
				assertThat(bad.recorded()).as("nothing recorded").isEqualTo(recorded);
				assertThat(bad.periodEnd()).isEqualTo(paidUntil);
				Instant due = jdbc.sql("SELECT lookup_due_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
					.param("p", bad.token)
					.query(java.sql.Timestamp.class)
					.single()
					.toInstant();
				assertThat(due).as("asked again an interval later").isAfter(fixtures.now());
				fixtures.advance(Duration.between(fixtures.now(), due));
			}
		}

		bad.google();
		lookups.run();
		assertThat(bad.periodEnd()).isEqualTo(bad.end);
	}

	@Test
	void anAccountIdThatCannotBeStoredOpensACaseQuotingItAsItCanBe() {
		Purchase p = new Purchase();
		GOOGLE.put(PACKAGE, p.token, PlayDeveloperApiFixture.purchase("not-\\u0000-a-token\\ud800" + "x".repeat(5000),
				p.start, p.end));

		Api.Response answer = p.push(p.message(UUID.randomUUID().toString()));

		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.json().path("outcome").asString()).isEqualTo("UNMATCHED");
		String subject = jdbc.sql("SELECT subject FROM support_cases WHERE case_number = :n")
			.param("n", answer.json().path("caseNumber").asString())
			.query(String.class)
			.single();
		assertThat(subject).contains(StoreFields.tokenHash(p.token)).doesNotContain(p.token)
			.contains("not-\ufffd-a-token\ufffdxxx")
			.hasSizeLessThan(1200);
		assertThat(p.subscriptions()).isZero();
	}

	@Test
	void aLookupAnswerWithAProductIdOrStateThatCannotBeStoredIsNotAppliedAndAskedAgainLater(CapturedOutput output) {
		Purchase bad = new Purchase();
		Purchase good = new Purchase();
		for (Purchase p : new Purchase[] { bad, good }) {
			p.google();
			assertThat(p.push(p.message(UUID.randomUUID().toString())).json().path("outcome").asString())
				.isEqualTo("APPLIED");
			p.end = p.end.plus(Duration.ofDays(30)); // renewed at Google; its notice is lost
		}
		good.google();
		int recorded = bad.recorded();
		Instant end = bad.start.isAfter(good.start) ? bad.start : good.start;
		fixtures.advance(Duration.between(fixtures.now(), end.plus(Duration.ofDays(30)).plus(Duration.ofMinutes(61))));

		for (String unstorable : UNSTORABLE) {
			for (boolean product : new boolean[] { true, false }) {
				if (product) {
					bad.google(unstorable, "SUBSCRIPTION_STATE_ACTIVE");
				}
				else {
					bad.google("antivirus-monthly", unstorable.replace("antivirus-", "SUBSCRIPTION_STATE_"));
				}
				long asked = GOOGLE.asked.stream().filter(bad.token::equals).count();

				lookups.run(); // returns: an answer that cannot be applied never fails the job

				assertThat(GOOGLE.asked.stream().filter(bad.token::equals).count()).isEqualTo(asked + 1);
				assertThat(output.getAll()).contains("Google Play's answer about purchase whose token hashes to "
						+ StoreFields.tokenHash(bad.token) + " could not be applied")
					.contains(product ? "productId" : "subscriptionState").doesNotContain(bad.token);
				assertThat(bad.recorded()).as("nothing recorded").isEqualTo(recorded);
				assertThat(bad.productKept()).isEqualTo("antivirus-monthly");
				assertThat(bad.periodEnd()).isEqualTo(bad.start.plus(Duration.ofDays(30)));
				Instant due = jdbc.sql("SELECT lookup_due_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
					.param("p", bad.token)
					.query(java.sql.Timestamp.class)
					.single()
					.toInstant();
				assertThat(due).as("asked again an interval later").isAfter(fixtures.now());
				fixtures.advance(Duration.between(fixtures.now(), due));
			}
		}
		assertThat(good.periodEnd()).as("another purchase goes on").isEqualTo(good.end);

		bad.google();
		lookups.run();
		assertThat(bad.periodEnd()).isEqualTo(bad.end);
	}
}
