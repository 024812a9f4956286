package dev.subdesk.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.Support;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Every state change of an account, subscription, charge, refund, device and case records its event once, in the
 * transaction of the change, with the resource as the API returns it and consecutive sequences per subject; a
 * change that rolls back leaves no event. Read through {@code GET /events}.
 */
class DomainEventsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient database;

	@Autowired
	Accounts accounts;

	@Autowired
	Support support;

	@Autowired
	Subscriptions subscriptions;

	@Autowired
	PlatformTransactionManager txManager;

	@Autowired
	EventRetention retention;

	@Autowired
	EventLog log;

	/** The subject's events oldest first, read page by page; asserts their sequences run 1, 2, 3... */
	private List<JsonNode> events(String subjectId) {
		List<JsonNode> newestFirst = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response page = api.get("/events?limit=2&subjectId=" + subjectId + (cursor == null ? "" : "&cursor=" + cursor));
			assertThat(page.status()).as(page.toString()).isEqualTo(200);
			page.json().path("data").values().forEach(newestFirst::add);
			cursor = page.json().path("nextCursor").isNull() ? null : page.text("nextCursor");
		}
		while (cursor != null);
		List<JsonNode> events = new ArrayList<>(newestFirst.reversed());
		assertThat(events).extracting(e -> e.path("sequence").asLong())
			.as("sequences of %s", subjectId)
			.containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
		events.forEach(e -> assertThat(e.path("subjectId").asString()).isEqualTo(subjectId));
		return events;
	}

	private static List<String> types(List<JsonNode> events) {
		return events.stream().map(e -> e.path("type").asString()).toList();
	}

	private static List<String> typesFrom(List<JsonNode> events, int from) {
		return types(events.subList(from, events.size()));
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	private long eventsOfAccount(String accountId) {
		return database.sql("SELECT count(*) FROM domain_event WHERE account_id = :account")
			.param("account", accountId)
			.query(Long.class)
			.single();
	}

	@Test
	void aCustomersLifeRecordsEachEventOnceWithTheResourceAsTheApiReturnsItAndConsecutiveSequences() {
		String account = fixtures.accountWithVisa();
		List<JsonNode> accountEvents = events(account);
		assertThat(types(accountEvents)).containsExactly("account.created");
		assertThat(accountEvents.get(0).path("data")).isEqualTo(api.get("/accounts/" + account).json());
		assertThat(accountEvents.get(0).path("id").asString()).startsWith("evt_");

		String sub = fixtures.subscribe(account, "antivirus-monthly");
		List<JsonNode> subEvents = events(sub);
		assertThat(types(subEvents)).containsExactly("subscription.created", "charge.succeeded");
		assertThat(subEvents.get(0).path("data")).isEqualTo(fixtures.subscription(sub).json());
		JsonNode charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(subEvents.get(1).path("data")).isEqualTo(charge);

		Api.Response device = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Study laptop", "platform", "WINDOWS", "subscriptionId", sub));
		assertThat(typesFrom(events(sub), 2)).containsExactly("device.activated");
		assertThat(events(sub).get(2).path("data")).isEqualTo(device.json());

		String mastercard = fixtures.card(account, "tok_mastercard");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", mastercard));
		assertThat(typesFrom(events(sub), 3)).containsExactly("subscription.updated");
		assertThat(events(sub).get(3).path("data").path("paymentMethodId").asString()).isEqualTo(mastercard);

		api.patch("/subscriptions/" + sub, Map.of("autoRenew", false));
		assertThat(typesFrom(events(sub), 4)).containsExactly("subscription.cancellation_scheduled");
		api.patch("/subscriptions/" + sub, Map.of("autoRenew", true));
		assertThat(typesFrom(events(sub), 5)).containsExactly("subscription.resumed");

		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusHours(1));
		List<JsonNode> renewed = events(sub);
		assertThat(typesFrom(renewed, 6)).containsExactly("subscription.renewed", "charge.succeeded");
		assertThat(renewed.get(6).path("data")).isEqualTo(fixtures.subscription(sub).json());
		assertThat(renewed.get(7).path("data").path("periodStart").asString()).isEqualTo(end.toString());

		Api.Response cancel = fixtures.cancel(sub, "IMMEDIATE");
		assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
		List<JsonNode> cancelled = events(sub);
		assertThat(typesFrom(cancelled, 8)).containsExactlyInAnyOrder("subscription.cancelled", "device.deactivated",
				"refund.issued");
		JsonNode refund = cancelled.stream().filter(e -> e.path("type").asString().equals("refund.issued")).findFirst()
			.orElseThrow().path("data");
		assertThat(refund.path("chargeId").asString()).isEqualTo(renewed.get(7).path("data").path("id").asString());
		assertThat(refund).as("the refund as the API shows it once paid back").isEqualTo(cancel.json().path("refunds").get(0));
		assertThat(refund.path("status").asString()).isEqualTo("SUCCEEDED");

		Api.Response dispute = api.post("/charges/" + charge.path("id").asString() + "/disputes",
				Map.of("reason", "UNRECOGNIZED", "detail", "I do not know this charge"));
		String caseNumber = dispute.text("caseNumber");
		assertThat(types(events(caseNumber))).containsExactly("case.opened");
		assertThat(events(caseNumber).get(0).path("data")).isEqualTo(api.get("/cases/" + caseNumber).json());
		support.resolve(caseNumber, "Explained the charge", "agent-events-test");
		assertThat(typesFrom(events(caseNumber), 1)).containsExactly("case.updated");
		assertThat(events(caseNumber).get(1).path("data").path("status").asString()).isEqualTo("RESOLVED");

		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);
		assertThat(typesFrom(events(account), 1)).containsExactly("account.closed");
		assertThat(events(account).get(1).path("data").path("status").asString()).isEqualTo("CLOSED");
	}

	@Test
	void aDeclinedRenewalRecordsItsFailedChargesOnePastDueAndTheExpiryWithTheDevicesDeactivated() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		api.post("/accounts/" + account + "/devices", Map.of("name", "PC", "platform", "WINDOWS", "subscriptionId", sub));
		String declining = fixtures.card(account, "tok_chargeDeclined");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", declining));
		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));

		fixtures.advance(Duration.between(now(), end).plusHours(12));
		assertThat(typesFrom(events(sub), 4)).containsExactly("charge.failed", "subscription.past_due");
		assertThat(events(sub).get(5).path("data").path("status").asString()).isEqualTo("PAST_DUE");

		fixtures.advance("P6D");
		assertThat(typesFrom(events(sub), 6)).containsExactly("charge.failed", "charge.failed", "charge.failed",
				"subscription.expired", "device.deactivated");
		assertThat(events(sub).get(9).path("data")).isEqualTo(fixtures.subscription(sub).json());
	}

	@Test
	void aChangeThatRollsBackLeavesNoEvent() {
		// A declined purchase creates nothing, so it records nothing but the account's own event.
		String declining = fixtures.account();
		fixtures.card(declining, "tok_chargeDeclined");
		assertThat(fixtures.buy(declining, "antivirus-monthly").status()).isEqualTo(402);
		assertThat(eventsOfAccount(declining)).isEqualTo(1);

		// Inside the application: an account opened in a transaction that then fails has no event either.
		String email = Fixtures.uniqueEmail();
		String[] opened = new String[1];
		assertThatThrownBy(() -> new TransactionTemplate(txManager).executeWithoutResult(status -> {
			opened[0] = accounts.open(email, "Rolled Back", "DE", null).id();
			throw new IllegalStateException("the change fails after its event was appended");
		})).hasMessageContaining("fails after");
		assertThat(eventsOfAccount(opened[0])).isZero();
		assertThat(accounts.find(opened[0])).isEmpty();

		// A card change whose transaction fails after it: neither the change nor its subscription.updated remains.
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String mastercard = fixtures.card(account, "tok_mastercard");
		assertThatThrownBy(() -> new TransactionTemplate(txManager).executeWithoutResult(status -> {
			subscriptions.changePaymentMethod(sub, mastercard);
			throw new IllegalStateException("the change fails after its event was appended");
		})).hasMessageContaining("fails after");
		assertThat(types(events(sub))).containsExactly("subscription.created", "charge.succeeded");
		assertThat(fixtures.subscription(sub).text("paymentMethodId")).isNotEqualTo(mastercard);
	}

	@Test
	void theEventListNeedsTheKeyFiltersByTypeAndRefusesAnUnknownType() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		assertThat(api.with("Authorization", null).get("/events?subjectId=" + sub).status()).isEqualTo(401);
		assertThat(api.with("Authorization", "Bearer wrong-key").get("/events").status()).isEqualTo(401);

		Api.Response charges = api.get("/events?subjectId=" + sub + "&type=charge.succeeded");
		assertThat(charges.json().path("data")).hasSize(1);
		assertThat(charges.json().path("data").get(0).path("sequence").asLong()).isEqualTo(2);

		Api.Response unknown = api.get("/events?type=subscription.deleted");
		assertThat(unknown.status()).isEqualTo(400);
		assertThat(unknown.json().path("errors").get(0).path("field").asString()).isEqualTo("type");
		assertThat(api.get("/events?cursor=made-up").status()).isEqualTo(400);

		Api.Response unfiltered = api.get("/events?subjectId=" + sub + "&type=");
		assertThat(unfiltered.status()).as("an empty filter is no filter").isEqualTo(200);
		assertThat(unfiltered.json().path("data").size()).isGreaterThan(charges.json().path("data").size());
		assertThat(api.get("/events?subjectId=&type=").status()).isEqualTo(200);
		assertThat(api.get("/events?subjectId=%20").status()).as("a blank subject").isEqualTo(400);
	}

	/**
	 * shared/API.md: "lookups by number ignore letter case"; a case's events are stored under its upper-case number,
	 * and a list asked with the number in another letter case found none.
	 */
	@Test
	void theEventsOfACaseAreFoundByItsNumberInAnyLetterCase() {
		String number = support.openUnmatched("Store purchase for no known account", "STORE", "token tok_events")
			.caseNumber();
		String digits = number.substring("CASE-".length());
		for (String asked : List.of(number.toLowerCase(java.util.Locale.ROOT), "Case-" + digits.toLowerCase(java.util.Locale.ROOT),
				"cAsE-" + digits, number)) {
			Api.Response listed = api.get("/events?subjectId=" + asked);
			assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
			assertThat(listed.json().path("data").values()).as("the events of %s asked as %s", number, asked)
				.extracting(e -> e.path("type").asString() + " " + e.path("subjectId").asString())
				.containsExactly("case.opened " + number);
			Api.Response typed = api.get("/events?type=case.opened&subjectId=" + asked);
			assertThat(typed.json().path("data")).as("with a type too").hasSize(1);
		}
		assertThat(api.get("/events?subjectId=" + number + "x").json().path("data")).as("another number").isEmpty();
	}

	@Test
	void closingAnAccountErasesTheNameEmailAndDeviceNamesInItsStoredEvents() {
		String email = Fixtures.uniqueEmail();
		Api.Response created = api.post("/accounts",
				Map.of("email", email, "name", "Zenobia Quillfeather", "country", "DE"));
		String account = created.id();
		fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		api.post("/accounts/" + account + "/devices",
				Map.of("name", "Zenobia's tablet", "platform", "ANDROID", "subscriptionId", sub));

		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);

		List<String> stored = database.sql("SELECT data::text FROM domain_event WHERE account_id = :account")
			.param("account", account)
			.query(String.class)
			.list();
		assertThat(stored).hasSizeGreaterThanOrEqualTo(6);
		assertThat(String.join("\n", stored).toLowerCase()).doesNotContain("zenobia", "quillfeather",
				email.toLowerCase());
		JsonNode createdEvent = events(account).get(0);
		assertThat(createdEvent.path("data").path("name").asString()).isEqualTo("Erased customer");
		assertThat(createdEvent.path("data").path("email").asString()).isEqualTo("erased+" + account + "@invalid");
		assertThat(events(sub).stream().filter(e -> e.path("type").asString().startsWith("device.")))
			.allSatisfy(e -> assertThat(e.path("data").path("name").asString()).isEqualTo("Erased device"));
	}

	@Test
	void eventsAreKeptThirtyDaysThenPurgedAndTheSubjectsSequenceGoesOn() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		fixtures.advance("P29D");
		retention.purge();
		assertThat(events(sub)).hasSize(2);

		fixtures.advance("P1DT1M");
		retention.purge();
		assertThat(api.get("/events?subjectId=" + sub).json().path("data")).isEmpty();

		api.patch("/subscriptions/" + sub, Map.of("autoRenew", false));
		JsonNode next = api.get("/events?subjectId=" + sub).json().path("data").get(0);
		assertThat(next.path("type").asString()).isEqualTo("subscription.cancellation_scheduled");
		assertThat(next.path("sequence").asLong()).isEqualTo(3);
	}

	@Test
	void bulkAppendsOfOneTransactionAreWrittenTogetherInCallOrderAndOnlyIfItCommits() {
		String a = "sub_bulk" + System.nanoTime();
		String b = a + "b";
		TransactionTemplate tx = new TransactionTemplate(txManager);
		List<RecordedEvent> seenInside = tx.execute(status -> {
			log.appendAll(List.of(new NewEvent(EventType.SUBSCRIPTION_RENEWED, a, null, Map.of("n", 1)),
					new NewEvent(EventType.SUBSCRIPTION_RENEWED, b, null, Map.of("n", 1))));
			log.appendAll(List.of(new NewEvent(EventType.CHARGE_SUCCEEDED, a, null, Map.of("n", 2)),
					new NewEvent(EventType.CHARGE_SUCCEEDED, b, null, Map.of("n", 2))));
			// a single append after the batches comes after them, and a reader in the transaction sees them
			log.append(EventType.SUBSCRIPTION_UPDATED, a, null, Map.of("n", 3));
			return log.ofSubject(a);
		});
		assertThat(seenInside).extracting(RecordedEvent::sequence).containsExactly(1L, 2L, 3L);
		assertThat(log.ofSubject(a)).extracting(e -> e.type().wireName() + "#" + e.sequence())
			.containsExactly("subscription.renewed#1", "charge.succeeded#2", "subscription.updated#3");
		assertThat(log.ofSubject(b)).extracting(e -> e.type().wireName() + "#" + e.sequence())
			.containsExactly("subscription.renewed#1", "charge.succeeded#2");

		// batches alone are written when the transaction commits
		tx.executeWithoutResult(status -> log.appendAll(
				List.of(new NewEvent(EventType.SUBSCRIPTION_RENEWED, b, null, Map.of("n", 4)),
						new NewEvent(EventType.CHARGE_SUCCEEDED, b, null, Map.of("n", 5)))));
		assertThat(log.ofSubject(b)).extracting(RecordedEvent::sequence).containsExactly(1L, 2L, 3L, 4L);

		// and not at all when it rolls back: no events, and the subject's counter did not move
		assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
			log.appendAll(List.of(new NewEvent(EventType.SUBSCRIPTION_RENEWED, b, null, Map.of("n", 6))));
			throw new IllegalStateException("the renewal batch fails after its events were appended");
		})).hasMessageContaining("fails after");
		tx.executeWithoutResult(status -> log.appendAll(
				List.of(new NewEvent(EventType.SUBSCRIPTION_RENEWED, b, null, Map.of("n", 7)))));
		assertThat(log.ofSubject(b)).extracting(RecordedEvent::sequence).containsExactly(1L, 2L, 3L, 4L, 5L);
		assertThat(log.ofSubject(b).get(4).data()).contains("7");
	}

	@Test
	void everyEventOfABulkAppendIsQueuedForTheWebhookFanOutInItsTransaction() {
		String subject = "sub_fanout" + System.nanoTime();
		List<NewEvent> batch = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			batch.add(new NewEvent(EventType.SUBSCRIPTION_RENEWED, subject + i, null, Map.of("i", i)));
			batch.add(new NewEvent(EventType.CHARGE_SUCCEEDED, subject + i, null, Map.of("i", i)));
		}
		// counted in the appending transaction, before the dispatcher can take any of them, with an endpoint that wants
		// every event (only the events an enabled endpoint wants are queued, V251); rolled back, endpoint and all
		Long[] counts = new TransactionTemplate(txManager).execute(status -> {
			status.setRollbackOnly();
			database.sql("""
					INSERT INTO webhook_endpoint (id, url, events, status, secret, created_at)
					VALUES (:id, 'https://hooks.example.com/all', ARRAY['*'], 'ENABLED', 'whsec_test', now())
					""").param("id", "we_fanout" + System.nanoTime()).update();
			log.appendAll(batch);
			log.ofSubject(subject + 0);
			return new Long[] {
					database.sql("SELECT count(*) FROM domain_event WHERE starts_with(subject_id, :s)")
						.param("s", subject).query(Long.class).single(),
					database.sql("""
							SELECT count(*) FROM webhook_fanout f JOIN domain_event e ON e.position = f.position
							WHERE starts_with(e.subject_id, :s)
							""").param("s", subject).query(Long.class).single() };
		});
		assertThat(counts).containsExactly(100L, 100L);
	}

	@Test
	void onlyTheEventsWithPersonalDataCanBeOverwritten() {
		assertThatThrownBy(() -> new TransactionTemplate(txManager)
			.executeWithoutResult(status -> log.overwrite("acct_x", "subscription.", Map.of("name", "x"))))
			.isInstanceOf(IllegalArgumentException.class);
	}
}
