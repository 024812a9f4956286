package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.stores.AppStorePurchase;
import dev.subdesk.stores.GooglePushSigner;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.OpenApiContract;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * shared/API.md, "API description (1.1)": real answers of a whole customer's life over HTTP, every one checked
 * against the document (the operation exists, its status is declared, its body matches the schema with every
 * {@code $ref} resolved), so the document cannot drift from the code. The flow reaches every operation of the
 * document with a success (the public official channels and their check, the entitlements, the public JWK Set and
 * a key rotation included, the webhook endpoints with a delivery's retry), and the errors 400, 401, 402, 404, 409, 413, 415 and 422.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiDescriptionConformanceIntegrationTests extends ApiIntegrationTest {

	@org.springframework.beans.factory.annotation.Autowired
	java.time.Clock clock;

	/** The test's client: each answer that breaks the document fails the call. */
	Api checked;

	@org.springframework.beans.factory.annotation.Autowired
	dev.subdesk.events.EventLog events;

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.transaction.support.TransactionTemplate transactions;

	@BeforeEach
	void checkEveryAnswer() {
		checked = api.checkedAgainstTheDescription();
	}

	@Test
	@Order(1)
	void aWholeCustomerLifeAnswersAsTheDocumentSays() {
		// the catalog, paged with cursors, and the document itself
		Api.Response plans = expect(200, checked.get("/plans?limit=3"));
		assertThat(plans.json().path("data")).hasSize(3);
		expect(200, checked.get("/plans?limit=3&cursor=" + plans.text("nextCursor")));
		expect(400, checked.get("/plans?limit=0"));
		expect(400, checked.get("/plans?cursor=made-up"));
		expect(200, checked.with("Authorization", null).get("/openapi.json"));

		// an account: 400, 201, 409, 200, 404, 401
		expect(400, checked.post("/accounts", Map.of("email", "not an address", "country", "de")));
		String email = Fixtures.uniqueEmail();
		Api.Response account = expect(201,
				checked.post("/accounts", Map.of("email", email, "name", "Conforming Customer", "country", "US", "region", "CA")));
		String accountId = account.id();
		assertThat(account.json().path("region").asString()).isEqualTo("CA");
		expect(409, checked.post("/accounts", Map.of("email", email.toUpperCase(), "name", "Twin", "country", "US")));
		expect(200, checked.get("/accounts/" + accountId));
		expect(404, checked.get("/accounts/acct_doesnotexist"));
		expect(401, checked.with("Authorization", null).get("/accounts/" + accountId));
		expect(401, checked.with("Authorization", "Bearer wrong").post("/accounts", Map.of()));
		expect(200, checked.get("/accounts?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8)));
		expect(400, checked.get("/accounts"));

		// cards: 400 on an unknown token, two cards, a list in pages of one
		expect(400, checked.post("/accounts/" + accountId + "/payment-methods", Map.of("token", "tok_nothing")));
		String visa = expect(201, checked.post("/accounts/" + accountId + "/payment-methods", Map.of("token", "tok_visa"))).id();
		String mastercard = expect(201,
				checked.post("/accounts/" + accountId + "/payment-methods", Map.of("token", "tok_mastercard"))).id();
		Api.Response firstCard = expect(200, checked.get("/accounts/" + accountId + "/payment-methods?limit=1"));
		assertThat(firstCard.text("nextCursor")).isNotBlank();
		Api.Response lastCard = expect(200, checked.get(
				"/accounts/" + accountId + "/payment-methods?limit=1&cursor=" + firstCard.text("nextCursor")));
		assertThat(lastCard.json().path("nextCursor").isNull()).isTrue();

		// no seat yet: 409; a purchase, an add-on, a second add-on of the plan (409), a base plan with a parent (400)
		expect(409, checked.post("/accounts/" + accountId + "/devices", Map.of("name", "Laptop", "platform", "WINDOWS")));
		// checkout (1.1): a Californian buys only with consent to a disclosure of this plan and account
		expect(400, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode", "antivirus-annual")));
		expect(400, checked.post("/checkout/disclosures", Map.of("accountId", accountId, "planCode", "no-such-plan")));
		expect(401, checked.with("Authorization", null)
			.post("/checkout/disclosures", Map.of("accountId", accountId, "planCode", "antivirus-annual")));
		Api.Response disclosure = expect(201,
				checked.post("/checkout/disclosures", Map.of("accountId", accountId, "planCode", "antivirus-annual")));
		assertThat(disclosure.text("jurisdiction")).isEqualTo("US-CA");
		expect(400, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode", "vpn-annual", "consent",
				Map.of("disclosureId", disclosure.id(), "method", "BUTTON"))));
		Api.Response bought = expect(201, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode",
				"antivirus-annual", "consent", Map.of("disclosureId", disclosure.id(), "method", "CHECKBOX"))));
		String base = bought.id();
		expect(200, checked.get("/subscriptions/" + base + "/consents"));
		expect(404, checked.get("/subscriptions/sub_doesnotexist/consents"));
		expect(400, checked.get("/accounts/" + accountId + "/consents?limit=0"));
		String addOn = expect(201, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode",
				"identity-addon-annual", "parentSubscriptionId", base, "consent",
				consent(accountId, "identity-addon-annual", base)))).id();
		expect(409, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode", "identity-addon-annual",
				"parentSubscriptionId", base, "consent", consent(accountId, "identity-addon-annual", base))));
		expect(400, checked.post("/subscriptions",
				Map.of("accountId", accountId, "planCode", "vpn-annual", "parentSubscriptionId", base)));
		expect(200, checked.get("/subscriptions/" + addOn));
		expect(404, checked.get("/subscriptions/sub_doesnotexist"));
		expect(200, checked.get("/subscriptions?orderNumber=" + bought.text("orderNumber").toLowerCase()));
		expect(400, checked.get("/subscriptions"));
		expect(200, checked.get("/accounts/" + accountId + "/subscriptions?limit=1"));

		// devices
		String device = expect(201,
				checked.post("/accounts/" + accountId + "/devices", Map.of("name", "Laptop", "platform", "MACOS"))).id();
		String phone = expect(201, checked.post("/accounts/" + accountId + "/devices",
				Map.of("name", "Phone", "platform", "IOS", "subscriptionId", base))).id();
		expect(200, checked.get("/accounts/" + accountId + "/devices"));
		expect(204, checked.delete("/accounts/" + accountId + "/devices/" + device));
		expect(404, checked.delete("/accounts/" + accountId + "/devices/" + device));

		// entitlements: the account's, a device's token, the public JWK Set; an unknown account or device is 404
		Api.Response entitled = expect(200, checked.get("/accounts/" + accountId + "/entitlements"));
		assertThat(entitled.json().path("data")).isNotEmpty();
		expect(404, checked.get("/accounts/acct_doesnotexist/entitlements"));
		Api.Response token = expect(200, checked.post("/devices/" + phone + "/entitlement-token", Map.of()));
		assertThat(token.text("token").split("\\.")).hasSize(3);
		expect(404, checked.post("/devices/dev_doesnotexist/entitlement-token", Map.of()));
		Api.Response jwks = expect(200, checked.with("Authorization", null).get("/entitlement-keys"));
		assertThat(jwks.json().path("keys")).isNotEmpty();

		// PATCH: another card, a field that is not allowed
		Api.Response patched = expect(200, checked.patch("/subscriptions/" + base, Map.of("paymentMethodId", mastercard)));
		assertThat(patched.json().path("confirmationNumber").isNull()).isTrue();
		expect(400, checked.patch("/subscriptions/" + base, Map.of("status", "CANCELLED")));

		// a quote with its offer, accepted once
		Api.Response quote = expect(200, checked.post("/subscriptions/" + base + "/cancellation-quote", Map.of()));
		assertThat(quote.json().path("alsoCancels")).hasSize(1);
		JsonNode offer = quote.json().path("offer");
		assertThat(offer.isObject()).as("a Californian's first quote of the term offers a discount: " + quote).isTrue();
		expect(200, checked.post("/offers/" + offer.path("id").asString() + "/accept"));
		expect(409, checked.post("/offers/" + offer.path("id").asString() + "/accept", Map.of()));
		expect(404, checked.post("/offers/off_doesnotexist/accept"));

		// END_OF_TERM, turned back by PATCH and by resume; 409 when nothing is scheduled
		Api.Response scheduled = expect(200,
				checked.post("/subscriptions/" + base + "/cancel", Map.of("mode", "END_OF_TERM", "reason", "NOT_USING")));
		assertThat(scheduled.text("status")).isEqualTo("SCHEDULED");
		expect(200, checked.patch("/subscriptions/" + base, Map.of("autoRenew", true)));
		Api.Response viaPatch = expect(200, checked.patch("/subscriptions/" + base, Map.of("autoRenew", false)));
		assertThat(viaPatch.text("confirmationNumber")).startsWith("CXL-");
		expect(200, checked.post("/subscriptions/" + base + "/resume"));
		expect(409, checked.post("/subscriptions/" + base + "/resume", Map.of()));

		// IMMEDIATE within the money-back window: refunds; then the subscription has ended (409)
		Api.Response cancelled = expect(200, checked.post("/subscriptions/" + base + "/cancel",
				Map.of("mode", "IMMEDIATE", "reason", "TOO_EXPENSIVE", "feedback", "Fine, but not for me.")));
		assertThat(cancelled.json().path("refunds")).isNotEmpty();
		String number = cancelled.text("confirmationNumber");
		expect(409, checked.post("/subscriptions/" + base + "/cancel", Map.of("mode", "IMMEDIATE")));
		expect(409, checked.post("/subscriptions/" + base + "/cancellation-quote"));
		expect(409, checked.patch("/subscriptions/" + base, Map.of("autoRenew", false)));
		expect(400, checked.post("/subscriptions/" + base + "/cancel", Map.of("mode", "SOMETIME")));
		expect(404, checked.post("/subscriptions/sub_doesnotexist/cancel", Map.of("mode", "IMMEDIATE")));

		// the device of the ended subscription gets no new token (409); a key rotation (harmless to other tests: they
		// verify against the JWK Set as published at the time, never a remembered kid)
		Api.Response refused = expect(409, checked.post("/devices/" + phone + "/entitlement-token", Map.of()));
		assertThat(refused.code()).isEqualTo("NOT_ENTITLED");
		Api.Response rotated = expect(201, checked.post("/entitlement-keys/rotation", Map.of()));
		assertThat(rotated.json().path("retiredKeys")).isNotEmpty();

		// the cancellation, its receipt, the keys and verification (public)
		expect(200, checked.get("/cancellations/" + number.toLowerCase()));
		expect(404, checked.get("/cancellations/CXL-0000-0000"));
		Api.Response receipt = expect(200, checked.get("/cancellations/" + number + "/receipt"));
		expect(404, checked.get("/cancellations/CXL-0000-0000/receipt"));
		Api anonymous = checked.with("Authorization", null);
		expect(200, anonymous.get("/receipt-keys"));
		expect(400, anonymous.get("/receipt-keys?limit=101"));
		assertThat(expect(200, anonymous.post("/receipts/verify", receipt.raw())).json().path("valid").asBoolean()).isTrue();
		ObjectNode forged = (ObjectNode) receipt.json().deepCopy();
		forged.put("issuedAt", "2020-01-01T00:00:00Z");
		assertThat(expect(200, anonymous.post("/receipts/verify", forged.toString())).json().path("valid").asBoolean())
			.isFalse();
		expect(400, anonymous.post("/receipts/verify", Map.of("cancellation", "no")));

		// the official channels and the check against impersonators (public): a line, a look-alike, an address, three bad bodies
		Api.Response channels = expect(200, anonymous.get("/official-channels"));
		String line = channels.json().path("phones").get(0).path("number").asString();
		Api.Response genuine = expect(200, anonymous.post("/official-channels/check", Map.of("phone", line)));
		assertThat(genuine.json().path("official").asBoolean()).isTrue();
		Api.Response lookAlike = expect(200,
				anonymous.post("/official-channels/check", Map.of("url", "https://acme.example.evil.test/login")));
		assertThat(lookAlike.json().path("official").asBoolean()).isFalse();
		assertThat(lookAlike.json().path("label").isNull()).isTrue();
		expect(200, anonymous.post("/official-channels/check", Map.of("email", "billing@mail.acme.example")));
		expect(400, anonymous.post("/official-channels/check", Map.of("phone", line, "url", "https://acme.example")));
		expect(400, anonymous.post("/official-channels/check", Map.of("email", "not an address")));
		expect(400, anonymous.post("/official-channels/check", Map.of("url", "https://acme.example", "via", "sms")));

		// webhook endpoints and their deliveries (nothing listens on port 9: the delivery fails and is retried)
		Api.Response hook = expect(201, checked.post("/webhook-endpoints",
				Map.of("url", "http://127.0.0.1:9/hook", "events", List.of("*"), "description", "conformance")));
		String hookId = hook.id();
		expect(200, checked.get("/webhook-endpoints?limit=1"));
		expect(200, checked.get("/webhook-endpoints/" + hookId));
		expect(200, checked.patch("/webhook-endpoints/" + hookId, Map.of("events", List.of("case.opened", "case.updated"))));
		expect(400, checked.patch("/webhook-endpoints/" + hookId, Map.of("events", List.of("case.closed"))));
		expect(200, checked.post("/webhook-endpoints/" + hookId + "/rotate-secret"));
		String subject = "CASE-" + java.util.UUID.randomUUID().toString().substring(0, 6).toUpperCase();
		String eventId = transactions.execute(tx -> events.append(dev.subdesk.events.EventType.CASE_OPENED, subject, null,
				Map.of("caseNumber", subject))).id();
		// the delivery of this event: case events of the flow above that were still queued for the fan-out when the
		// endpoint was made are delivered to it too (a busy machine), so the log may hold more than this one
		java.util.concurrent.atomic.AtomicReference<String> delivery = new java.util.concurrent.atomic.AtomicReference<>();
		try {
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
				for (JsonNode d : checked.get("/webhook-endpoints/" + hookId + "/deliveries?limit=100").json().path("data")) {
					if (d.path("eventId").asString().equals(eventId)) {
						delivery.set(d.path("id").asString());
					}
				}
				return delivery.get() != null;
			});
		}
		catch (org.awaitility.core.ConditionTimeoutException e) {
			throw new AssertionError("no delivery of the event in 60 s:"
					+ dev.subdesk.testing.DispatcherDiagnostics.describe(jdbc), e);
		}
		String deliveryId = delivery.get();
		expect(202, checked.post("/webhook-endpoints/" + hookId + "/deliveries/" + deliveryId + "/retry"));
		expect(204, checked.delete("/webhook-endpoints/" + hookId));
		expect(404, checked.get("/webhook-endpoints/" + hookId));

		// charges, refunds and disputes
		String vpn = expect(201, checked.post("/subscriptions", Map.of("accountId", accountId, "planCode", "vpn-annual",
				"paymentMethodId", visa, "consent", consent(accountId, "vpn-annual", null)))).id();
		Api.Response charges = expect(200, checked.get("/accounts/" + accountId + "/charges?limit=1"));
		JsonNode charge = charges.json().path("data").get(0);
		assertThat(charge.path("subscriptionId").asString()).isEqualTo(vpn);
		String chargeId = charge.path("id").asString();
		expect(200, checked.get("/accounts/" + accountId + "/charges?cursor=" + charges.text("nextCursor")));
		Api.Response refund = expect(201,
				checked.post("/charges/" + chargeId + "/refunds", Map.of("amount", 100, "reason", "Goodwill")));
		assertThat(refund.json().path("amount").asLong()).isEqualTo(100);
		expect(409, checked.post("/charges/" + chargeId + "/refunds", Map.of("amount", 1_000_000, "reason", "Too much")));
		expect(400, checked.post("/charges/" + chargeId + "/refunds", Map.of("amount", -5)));
		expect(404, checked.post("/charges/ch_doesnotexist/refunds", Map.of("reason", "None")));
		Api.Response dispute = expect(200,
				checked.post("/charges/" + chargeId + "/disputes", Map.of("reason", "UNRECOGNIZED", "detail", "Not me")));
		assertThat(dispute.text("outcome")).isEqualTo("UNDER_REVIEW");
		expect(400, checked.post("/charges/" + chargeId + "/disputes",
				Map.of("reason", "OTHER", "confirmationNumber", "CXL-0000-0000")));
		expect(200, checked.get("/cases/" + dispute.text("caseNumber").toLowerCase()));
		expect(404, checked.get("/cases/CASE-000000"));

		// notices in pages
		Api.Response notices = expect(200, checked.get("/accounts/" + accountId + "/notices?limit=2"));
		expect(200, checked.get("/accounts/" + accountId + "/notices?limit=100&cursor=" + notices.text("nextCursor")));

		// a store-billed subscription: its quote names the store, cancelling here is 409, cancel-all skips it
		String store = expect(201, checked.post("/subscriptions",
				Map.of("accountId", accountId, "planCode", "utilities-annual", "channel", "APP_STORE"))).id();
		Api.Response storeQuote = expect(200, checked.post("/subscriptions/" + store + "/cancellation-quote"));
		assertThat(storeQuote.json().path("channelInstructions").isObject()).isTrue();
		expect(409, checked.post("/subscriptions/" + store + "/cancel", Map.of("mode", "END_OF_TERM")));
		expect(409, checked.patch("/subscriptions/" + store, Map.of("paymentMethodId", visa)));
		Api.Response all = expect(200, checked.post("/accounts/" + accountId + "/cancel-all", Map.of("mode", "END_OF_TERM")));
		assertThat(all.json().path("skipped").get(0).path("code").asString()).isEqualTo("CHANNEL_MANAGED");
		expect(400, checked.post("/accounts/" + accountId + "/cancel-all", Map.of()));

		// closing: the answer, then 409 ACCOUNT_CLOSED
		Api.Response closed = expect(200, checked.post("/accounts/" + accountId + "/close"));
		assertThat(closed.json().path("channelManaged")).hasSize(1);
		expect(409, checked.post("/accounts/" + accountId + "/close", Map.of()));
		expect(409, checked.post("/accounts/" + accountId + "/payment-methods", Map.of("token", "tok_visa")));
		expect(200, checked.get("/accounts/" + accountId + "/notices"));

		// the events of the account, in pages and by type
		Api.Response events = expect(200, checked.get("/events?limit=1&subjectId=" + accountId));
		expect(200, checked.get("/events?subjectId=" + accountId + "&cursor=" + events.text("nextCursor")));
		expect(200, checked.get("/events?type=account.closed&limit=5"));
		expect(400, checked.get("/events?type=account.deleted"));
		expect(200, checked.get("/accounts/" + accountId + "/consents"));
	}

	/** A purchase's consent to a new disclosure, fetched through the checked client. */
	private Map<String, Object> consent(String accountId, String planCode, @Nullable String parentId) {
		var body = new java.util.HashMap<String, Object>(Map.of("accountId", accountId, "planCode", planCode));
		if (parentId != null) {
			body.put("parentSubscriptionId", parentId);
		}
		return Map.of("disclosureId", expect(201, checked.post("/checkout/disclosures", body)).id(), "method", "BUTTON",
				"ipAddress", "203.0.113.7", "userAgent", "Conformance/1.0");
	}

	@Test
	@Order(2)
	void paymentAndCardErrorsAnswerAsTheDocumentSays() {
		String declining = fixtures.account();
		fixtures.card(declining, "tok_chargeDeclined");
		expect(402, checked.post("/subscriptions", Map.of("accountId", declining, "planCode", "antivirus-monthly")));
		expect(400, checked.post("/subscriptions", Map.of("accountId", declining, "planCode", "no-such-plan")));

		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-monthly");
		String card = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id").asString();
		expect(409, checked.delete("/accounts/" + account + "/payment-methods/" + card));
		expect(404, checked.delete("/accounts/" + account + "/payment-methods/pm_doesnotexist"));
		expect(200, checked.patch("/subscriptions/" + subscription, Map.of("autoRenew", false)));
		expect(204, checked.delete("/accounts/" + account + "/payment-methods/" + card));
		expect(409, checked.post("/subscriptions/" + subscription + "/resume"));
		expect(409, checked.patch("/subscriptions/" + subscription, Map.of("autoRenew", true)));
	}

	@Test
	@Order(3)
	void conventionErrorsAnswerAsTheDocumentSays() {
		String account = fixtures.account();
		Api keyed = checked.with("Idempotency-Key", "conformance-" + UUID.randomUUID());
		Map<String, Object> device = new HashMap<>(Map.of("token", "tok_visa"));
		expect(201, keyed.post("/accounts/" + account + "/payment-methods", device));
		expect(201, keyed.post("/accounts/" + account + "/payment-methods", device));
		expect(422, keyed.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_mastercard")));
		expect(400, checked.with("Idempotency-Key", "").post("/accounts/" + account + "/devices", Map.of()));
		expect(415, checked.send("POST", "/accounts", "email=a@b.example", "text/plain"));
		expect(413, checked.send("POST", "/accounts", "{\"name\": \"" + "x".repeat(1024 * 1024 + 1) + "\"}",
				"application/json"));
		expect(400, checked.send("POST", "/accounts", "{not json", "application/json"));
		expect(400, checked.get("/accounts/" + account + "/devices?limit=abc"));
		expect(200, checked.post("/renewals/run"));
		expect(200, checked.get("/test-clock"));
		expect(200, checked.post("/test-clock/advance", Map.of("duration", "PT1M")));
		expect(400, checked.post("/test-clock/advance", Map.of("duration", "P1M")));
	}

	@Test
	@Order(3)
	void theStoreOperationsAnswerAsTheDocumentSays() {
		String account = fixtures.account();
		java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		AppStorePurchase purchase = AppStorePurchase.by(checked, account, now);
		assertThat(purchase.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		expect(200, checked.get("/subscriptions/" + purchase.subscription().path("id").asString() + "/store-status"));
		expect(200, GooglePushSigner.pushTestNotification(checked, now));
		expect(401, checked.with("Authorization", null).post("/channels/google/rtdn", Map.of()));
	}

	/** Issue 12: the catalog's administration, each answer checked against the document; the plan is retired at the end. */
	@Test
	@Order(3)
	void theCatalogsAdministrationAnswersAsTheDocumentSays() {
		String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
		String product = "described-" + suffix;
		expect(201, checked.post("/products", Map.of("code", product, "name", "Described product")));
		expect(200, checked.get("/products?limit=1"));
		expect(409, checked.post("/products", Map.of("code", product, "name", "Again")));
		String plan = "described-plan-" + suffix;
		expect(201, checked.post("/plans", Map.of("code", plan, "name", "Described plan", "products", List.of(product),
				"term", "P1M", "price", Map.of("amount", 500, "currency", "USD"), "deviceLimit", 1, "moneyBackDays", 14,
				"retentionOffer", Map.of("percentOff", 30))));
		expect(400, checked.post("/plans", Map.of("code", plan)));
		expect(200, checked.get("/plans/" + plan));
		expect(404, checked.get("/plans/no-such-plan"));
		expect(200, checked.patch("/plans/" + plan, Map.of("name", "Described plan, renamed", "moneyBackDays", 30)));
		expect(201, checked.post("/plans/" + plan + "/prices", Map.of("amount", 450, "currency", "EUR")));
		expect(409, checked.post("/plans/" + plan + "/prices", Map.of("amount", 450, "currency", "EUR")));
		// a scheduled price change (w-price) of the plan's base price, far enough ahead for every notice lead
		String later = java.time.Instant.now(clock).plus(java.time.Duration.ofDays(400)).truncatedTo(
				java.time.temporal.ChronoUnit.SECONDS).toString();
		expect(201, checked.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 600,
				"currency", "USD"), "effectiveFrom", later, "existingSubscribers", "MOVE")));
		expect(200, checked.get("/plans/" + plan + "/price-changes"));
		expect(200, checked.get("/plans?includeRetired=true&limit=100"));
		expect(200, checked.post("/plans/" + plan + "/retire", Map.of()));
		expect(409, checked.post("/plans/" + plan + "/retire", Map.of()));
	}

	@Test
	@Order(3)
	void thePriceChangeOperationsAnswerAsTheDocumentSays() {
		String plan = "price-test-annual-8"; // the tests' own plan for this (db/testdata)
		String account = fixtures.account("DE", null);
		fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, plan);
		java.time.Instant renewal = java.time.Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		java.time.Instant now = java.time.Instant.parse(checked.get("/test-clock").text("now"));
		Map<String, Object> usd = Map.of("amount", 1200, "currency", "USD");
		String soon = now.plus(java.time.Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
		String later = now.plus(java.time.Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
		expect(401, checked.with("Authorization", null).get("/plans/" + plan + "/price-changes"));
		expect(404, checked.get("/plans/no-such-plan/price-changes"));
		expect(400, checked.post("/plans/" + plan + "/price-changes", Map.of("price", usd)));
		expect(422, checked.post("/plans/" + plan + "/price-changes",
				Map.of("price", usd, "effectiveFrom", soon, "existingSubscribers", "MOVE")));
		expect(201, checked.post("/plans/" + plan + "/price-changes",
				Map.of("price", usd, "effectiveFrom", later, "existingSubscribers", "MOVE")));
		expect(409, checked.post("/plans/" + plan + "/price-changes",
				Map.of("price", usd, "effectiveFrom", later, "existingSubscribers", "MOVE")));
		expect(200, checked.get("/plans/" + plan + "/price-changes"));
		expect(404, checked.get("/subscriptions/" + sub + "/price-change"));
		expect(409, checked.post("/subscriptions/" + sub + "/price-change-consent", Map.of()));
		fixtures.advance(java.time.Duration.between(now, renewal.minus(java.time.Duration.ofDays(30))).plusSeconds(1));
		expect(200, checked.get("/subscriptions/" + sub + "/price-change"));
		expect(200, checked.post("/subscriptions/" + sub + "/price-change-consent", Map.of()));
		expect(200, checked.get("/accounts/" + account + "/notices"));
	}

	/**
	 * After the flows above: every operation of the document was answered with a success status whose body matched
	 * its schema, and each kind of client error was seen, so no part of the document goes unchecked.
	 */
	@Test
	@Order(4)
	void everyOperationOfTheDocumentWasReachedWithASuccess() {
		OpenApiContract contract = OpenApiContract.get();
		Set<String> reached = new TreeSet<>();
		contract.exercised().stream()
			.filter(e -> e.endsWith(" 200") || e.endsWith(" 201") || e.endsWith(" 202") || e.endsWith(" 204"))
			.forEach(e -> reached.add(e.substring(0, e.lastIndexOf(' '))));
		assertThat(reached).containsAll(contract.operations());
		Set<String> statuses = new TreeSet<>();
		contract.exercised().forEach(e -> statuses.add(e.substring(e.lastIndexOf(' ') + 1)));
		assertThat(statuses).containsAll(List.of("200", "201", "204", "400", "401", "402", "404", "409", "413", "415", "422"));
	}

	private static Api.Response expect(int status, Api.Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		return response;
	}
}
