package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.databind.JsonNode;

/**
 * Billing invariants over real HTTP. DESIGN.md invariant 3: refunds of a charge never exceed it and always go back
 * to the charge's payment method. Invariant 2: at most one successful charge per subscription and period, whatever
 * retries (Idempotency-Key replays, concurrent duplicates, a flaky gateway) happen; with invariant 1 checked on the
 * same charges: none for a period at or after a cancellation took effect, unless refunded in full.
 */
class BillingProperties {

	private static SubdeskServer server;
	private static Api api;
	private static Fixtures fixtures;

	@BeforeContainer
	static void startServer() {
		server = SubdeskServer.start();
		api = server.api();
		fixtures = server.fixtures();
	}

	@AfterContainer
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	/** One request to POST /charges/{id}/refunds. */
	sealed interface Request {
	}

	/** {@code amount} as it is; positive. */
	record Amount(long amount) implements Request {
	}

	/** No amount: what is left. */
	record Rest() implements Request {
	}

	/** A body the contract refuses with 400 (the JSON text of {@code amount}, or no reason). */
	record Invalid(String amountJson, boolean withReason) implements Request {
	}

	/** The earlier request number {@code index} (modulo how many there were) again, with its Idempotency-Key. */
	record Replay(int index) implements Request {
	}

	/** Two refunds of the charge sent at the same time. */
	record Concurrent(long first, long second) implements Request {
	}

	@Provide
	Arbitrary<String> basePlans() {
		return Arbitraries.of("antivirus-annual", "antivirus-monthly", "vpn-annual", "utilities-annual", "total-annual");
	}

	@Provide
	Arbitrary<String> tokens() {
		return Arbitraries.of("tok_visa", "tok_mastercard");
	}

	@Provide
	Arbitrary<List<Request>> requests() {
		Arbitrary<Request> amounts = Arbitraries.frequencyOf(
				Tuple.of(4, Arbitraries.longs().between(1, 3_000)),
				Tuple.of(3, Arbitraries.longs().between(1, 13_000)),
				Tuple.of(1, Arbitraries.of(1L, 699L, 700L, 5_999L, 6_000L, 11_999L, 12_000L, Long.MAX_VALUE)))
			.map(Amount::new);
		Arbitrary<Request> invalid = Arbitraries.frequencyOf(
				Tuple.of(3, Arbitraries.of("0", "-1", "-5999", "1.5", "\"100\"", "true", "100000000000000000000")
					.map(text -> new Invalid(text, true))),
				Tuple.of(1, Arbitraries.just(new Invalid("100", false))));
		Arbitrary<Request> replays = Arbitraries.integers().between(0, 20).map(Replay::new);
		Arbitrary<Long> halves = Arbitraries.longs().between(1, 7_000);
		Arbitrary<Request> concurrent = net.jqwik.api.Combinators.combine(halves, halves).as(Concurrent::new);
		return Arbitraries.frequencyOf(Tuple.of(8, amounts), Tuple.of(2, Arbitraries.just(new Rest())),
				Tuple.of(1, invalid), Tuple.of(2, replays), Tuple.of(2, concurrent))
			.list()
			.ofMinSize(1)
			.ofMaxSize(10);
	}

	private record Sent(String key, String body, Api.Response response) {
	}

	@Property(tries = 40)
	void refundsNeverExceedTheChargeAndGoBackToItsPaymentMethod(@ForAll("basePlans") String plan,
			@ForAll("tokens") String token, @ForAll boolean addAnotherCard, @ForAll boolean deleteTheChargedCard,
			@ForAll("requests") List<Request> requests) {
		String account = fixtures.account();
		String chargedCard = fixtures.card(account, token);
		String last4 = token.equals("tok_visa") ? "4242" : "4444";
		String otherLast4 = token.equals("tok_visa") ? "4444" : "4242";
		String subscription = fixtures.subscribe(account, plan);
		List<JsonNode> charges = Listing.all(api, "/accounts/" + account + "/charges");
		assertThat(charges).hasSize(1);
		JsonNode charge = charges.get(0);
		String chargeId = charge.path("id").asString();
		long amount = charge.path("amount").asLong();
		String currency = charge.path("currency").asString();
		assertThat(charge.path("subscriptionId").asString()).isEqualTo(subscription);
		assertThat(charge.path("paymentMethodId").asString()).isEqualTo(chargedCard);
		assertThat(charge.path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(amount).isEqualTo(prices().get(plan));

		if (addAnotherCard) {
			fixtures.card(account, token.equals("tok_visa") ? "tok_mastercard" : "tok_visa");
		}
		if (deleteTheChargedCard) {
			Api.Response deleted = api.delete("/accounts/" + account + "/payment-methods/" + chargedCard);
			if (addAnotherCard) {
				assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
			}
			else {
				assertThat(deleted.status()).as(deleted.toString()).isEqualTo(409);
				assertThat(deleted.code()).isEqualTo("PAYMENT_METHOD_IN_USE");
			}
		}

		long refunded = 0;
		List<Sent> sent = new ArrayList<>();
		List<String> refundIds = new ArrayList<>();
		int rejected = 0;
		for (Request request : requests) {
			JsonNode before = chargeNow(account, chargeId);
			if (request instanceof Replay replay) {
				if (sent.isEmpty()) {
					continue;
				}
				Sent first = sent.get(replay.index() % sent.size());
				Api.Response again = refund(chargeId, first.key(), first.body());
				assertThat(again.status()).as("replay of %s → %s", first.body(), again).isEqualTo(first.response().status());
				assertThat(again.raw()).as("a replay answers the first response").isEqualTo(first.response().raw());
				assertThat(chargeNow(account, chargeId)).as("a replay changes nothing").isEqualTo(before);
				continue;
			}
			if (request instanceof Concurrent(long x, long y)) {
				String body1 = "{\"amount\": %d, \"reason\": \"concurrent one\"}".formatted(x);
				String body2 = "{\"amount\": %d, \"reason\": \"concurrent two\"}".formatted(y);
				var one = java.util.concurrent.CompletableFuture
					.supplyAsync(() -> refund(chargeId, UUID.randomUUID().toString(), body1));
				var two = java.util.concurrent.CompletableFuture
					.supplyAsync(() -> refund(chargeId, UUID.randomUUID().toString(), body2));
				Api.Response a = one.join();
				Api.Response b = two.join();
				long left = amount - refunded;
				assertThat(List.of(a.status(), b.status())).as("%s / %s", a, b).allMatch(st -> st == 201 || st == 409);
				long gained = (a.status() == 201 ? x : 0) + (b.status() == 201 ? y : 0);
				// the outcome of some order of the two: what succeeded fit, what failed did not fit after it
				assertThat(gained).as("%d and %d with %d left: %s / %s", x, y, left, a, b).isLessThanOrEqualTo(left);
				if (a.status() == 409) {
					assertThat(a.code()).isEqualTo("REFUND_EXCEEDS_CHARGE");
					assertThat(x).as("refused %d with %d left, %d taken by the other", x, left, gained).isGreaterThan(left - gained);
				}
				if (b.status() == 409) {
					assertThat(b.code()).isEqualTo("REFUND_EXCEEDS_CHARGE");
					assertThat(y).as("refused %d with %d left, %d taken by the other", y, left, gained).isGreaterThan(left - gained);
				}
				for (Api.Response r : List.of(a, b)) {
					if (r.status() == 201) {
						refundIds.add(r.id());
					}
					else {
						rejected++;
					}
				}
				refunded += gained;
				Statistics.label("concurrent refunds").collect(a.status() + "/" + b.status());
				JsonNode after = chargeNow(account, chargeId);
				assertThat(after.path("refundedAmount").asLong()).isEqualTo(refunded);
				continue;
			}
			String reason = "Refund request " + (sent.size() + 1) + " of a property try";
			String body = switch (request) {
				case Amount a -> "{\"amount\": %d, \"reason\": \"%s\"}".formatted(a.amount(), reason);
				case Rest r -> "{\"reason\": \"%s\"}".formatted(reason);
				case Invalid i -> i.withReason() ? "{\"amount\": %s, \"reason\": \"%s\"}".formatted(i.amountJson(), reason)
						: "{\"amount\": %s}".formatted(i.amountJson());
				case Replay r -> throw new IllegalStateException();
				case Concurrent c -> throw new IllegalStateException();
			};
			String key = UUID.randomUUID().toString();
			Api.Response response = refund(chargeId, key, body);
			sent.add(new Sent(key, body, response));
			long left = amount - refunded;
			Long asked = switch (request) {
				case Amount a -> a.amount();
				case Rest r -> left;
				default -> null;
			};
			if (asked == null) {
				assertThat(response.status()).as(body + " → " + response).isEqualTo(400);
				assertThat(response.code()).isEqualTo("VALIDATION_FAILED");
				assertThat(chargeNow(account, chargeId)).as("a refused refund changes nothing").isEqualTo(before);
				rejected++;
			}
			else if (asked > 0 && asked <= left) {
				assertThat(response.status()).as(body + " with %d left → %s", left, response).isEqualTo(201);
				JsonNode refund = response.json();
				assertThat(refund.path("id").asString()).startsWith("re_");
				assertThat(refund.path("chargeId").asString()).isEqualTo(chargeId);
				assertThat(refund.path("amount").asLong()).isEqualTo(asked);
				assertThat(refund.path("currency").asString()).isEqualTo(currency);
				assertThat(refund.path("status").asString()).isEqualTo("SUCCEEDED");
				assertThat(refund.path("reason").asString()).isEqualTo(reason);
				refunded += asked;
				refundIds.add(refund.path("id").asString());
			}
			else {
				assertThat(response.status()).as(body + " with %d left → %s", left, response).isEqualTo(409);
				assertThat(response.code()).isEqualTo("REFUND_EXCEEDS_CHARGE");
				assertThat(chargeNow(account, chargeId)).as("an over-refund changes nothing").isEqualTo(before);
				rejected++;
			}
			JsonNode after = chargeNow(account, chargeId);
			assertThat(refunded).isLessThanOrEqualTo(amount);
			assertThat(after.path("refundedAmount").asLong()).isEqualTo(refunded);
			assertThat(after.path("amount").asLong()).isEqualTo(amount);
			assertThat(after.path("paymentMethodId").asString()).isEqualTo(chargedCard);
			assertThat(after.path("status").asString())
				.isEqualTo(refunded == amount ? "REFUNDED" : refunded == 0 ? "SUCCEEDED" : "PARTIALLY_REFUNDED");
		}

		// every refund went to the charge's own card, named in its REFUND_ISSUED notice
		List<JsonNode> notices = Listing.all(api, "/accounts/" + account + "/notices").stream()
			.filter(n -> n.path("type").asString().equals("REFUND_ISSUED"))
			.toList();
		assertThat(notices).extracting(n -> n.path("relatedId").asString()).containsExactlyInAnyOrderElementsOf(refundIds);
		assertThat(notices).allSatisfy(n -> assertThat(n.path("body").asString()).contains("mit den Endziffern " + last4) // in Germany
			.doesNotContain("ending in " + otherLast4));
		assertThat(fixtures.subscription(subscription).json().path("paymentMethodId").asString())
			.isEqualTo(deleteTheChargedCard && addAnotherCard ? notChargedCard(account, chargedCard) : chargedCard);

		Statistics.label("charge").collect(refunded == amount ? "fully refunded" : refunded == 0 ? "untouched" : "partly refunded");
		Statistics.label("refused requests").collect(rejected == 0 ? "none" : "some");
	}

	// ---------------------------------------------------------------------------------------------------------
	// Invariant 2: at most one successful charge per subscription and period
	// ---------------------------------------------------------------------------------------------------------

	sealed interface Step {
	}

	/** Buys a base plan with the card {@code token} (added to the account up front). */
	record Buy(String plan, String token) implements Step {
	}

	/** Buys an add-on to the {@code parent}-th subscription bought so far (modulo). */
	record BuyAddOn(String plan, int parent) implements Step {
	}

	/** Sends the {@code index}-th purchase request again with its Idempotency-Key. */
	record ReplayPurchase(int index) implements Step {
	}

	/** Sends one purchase twice at the same time with one Idempotency-Key. */
	record ConcurrentDuplicates(String plan) implements Step {
	}

	record CancelOne(int index, String mode) implements Step {
	}

	record ResumeOne(int index) implements Step {
	}

	record AdvanceDays(int days) implements Step {
	}

	record RunRenewals() implements Step {
	}

	@Provide
	Arbitrary<List<Step>> steps() {
		Arbitrary<String> bases = Arbitraries.of("antivirus-annual", "antivirus-monthly", "vpn-annual", "total-annual");
		Arbitrary<String> cardTokens = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("tok_visa")),
				Tuple.of(2, Arbitraries.just("tok_flaky")), Tuple.of(1, Arbitraries.just("tok_chargeDeclined")));
		Arbitrary<Integer> index = Arbitraries.integers().between(0, 9);
		Arbitrary<Step> step = Arbitraries.frequencyOf(
				Tuple.of(4, net.jqwik.api.Combinators.combine(bases, cardTokens).as(Buy::new)),
				Tuple.of(2, net.jqwik.api.Combinators.combine(Arbitraries.of("identity-addon-annual", "vpn-addon-monthly"), index)
					.as(BuyAddOn::new)),
				Tuple.of(2, index.map(ReplayPurchase::new)),
				Tuple.of(1, bases.map(ConcurrentDuplicates::new)),
				Tuple.of(3, net.jqwik.api.Combinators.combine(index, Arbitraries.of("IMMEDIATE", "END_OF_TERM"))
					.as(CancelOne::new)),
				Tuple.of(1, index.map(ResumeOne::new)),
				Tuple.of(1, Arbitraries.of(2, 3, 29, 31, 40).map(AdvanceDays::new)),
				Tuple.of(1, Arbitraries.just(new RunRenewals())));
		return step.list().ofMinSize(3).ofMaxSize(12);
	}

	/** A purchase request, its answer, and how many days the test clock had been advanced when it was sent. */
	private record Purchase(String key, Map<String, Object> body, Api.Response response, int day) {
	}

	@Property(tries = 30)
	void atMostOneSuccessfulChargePerSubscriptionAndPeriod(@ForAll("steps") List<Step> steps) throws Exception {
		String account = fixtures.account();
		Map<String, String> cards = new java.util.HashMap<>();
		for (String token : List.of("tok_visa", "tok_flaky", "tok_chargeDeclined")) {
			cards.put(token, fixtures.card(account, token));
		}
		List<String> bought = new ArrayList<>();
		List<Purchase> purchases = new ArrayList<>();
		java.util.Set<String> numbers = new java.util.LinkedHashSet<>();
		int day = 0;
		for (Step step : steps) {
			switch (step) {
				case Buy(String plan, String token) -> {
					Purchase p = purchase(Map.of("accountId", account, "planCode", plan, "paymentMethodId", cards.get(token)), day);
					purchases.add(p);
					int status = p.response().status();
					if (token.equals("tok_chargeDeclined")) {
						assertThat(status).as(p.response().toString()).isEqualTo(402);
						assertThat(p.response().code()).isEqualTo("PAYMENT_DECLINED");
					}
					else if (token.equals("tok_flaky")) {
						assertThat(status).as(p.response().toString()).isIn(201, 503);
					}
					else {
						assertThat(status).as(p.response().toString()).isEqualTo(201);
					}
					if (status == 201) {
						bought.add(p.response().id());
					}
				}
				case BuyAddOn(String plan, int parent) -> {
					if (bought.isEmpty()) {
						continue;
					}
					Purchase p = purchase(Map.of("accountId", account, "planCode", plan, "parentSubscriptionId",
							bought.get(parent % bought.size())), day);
					purchases.add(p);
					if (p.response().status() == 201) {
						bought.add(p.response().id());
					}
					else {
						assertThat(p.response().status()).as(p.response().toString()).isEqualTo(409);
						assertThat(p.response().code()).isIn("ADD_ON_NOT_ALLOWED", "PARENT_NOT_ACTIVE", "ADD_ON_EXISTS");
					}
				}
				case ReplayPurchase(int index) -> {
					if (purchases.isEmpty()) {
						continue;
					}
					Purchase first = purchases.get(index % purchases.size());
					Api.Response again = api.with("Idempotency-Key", first.key()).post("/subscriptions", first.body());
					if (first.response().status() < 500 && day == first.day()) {
						assertThat(again.status()).as("replay → " + again).isEqualTo(first.response().status());
						assertThat(again.raw()).isEqualTo(first.response().raw());
					}
					else {
						// a 5xx is not stored, and a key is kept 24 hours (by the test clock; advances are of 2 days
						// or more): the request runs again, as a new one
						assertThat(again.status()).as("a new run of an old request → " + again).isNotIn(500, 502, 504);
						if (again.status() == 201) {
							bought.add(again.id());
						}
					}
				}
				case ConcurrentDuplicates(String plan) -> {
					String key = UUID.randomUUID().toString();
					Map<String, Object> body = Map.of("accountId", account, "planCode", plan);
					var one = java.util.concurrent.CompletableFuture
						.supplyAsync(() -> api.with("Idempotency-Key", key).post("/subscriptions", body));
					var two = java.util.concurrent.CompletableFuture
						.supplyAsync(() -> api.with("Idempotency-Key", key).post("/subscriptions", body));
					Api.Response a = one.get();
					Api.Response b = two.get();
					assertThat(a.status()).as(a.toString()).isEqualTo(201);
					assertThat(b.status()).as("the duplicate answers the first response: " + b).isEqualTo(201);
					assertThat(b.id()).isEqualTo(a.id());
					bought.add(a.id());
				}
				case CancelOne(int index, String mode) -> {
					if (bought.isEmpty()) {
						continue;
					}
					Api.Response cancelled = fixtures.cancel(bought.get(index % bought.size()), mode);
					if (cancelled.status() == 200) {
						numbers.add(cancelled.text("confirmationNumber"));
					}
					else {
						assertThat(cancelled.code()).as(cancelled.toString()).isEqualTo("ALREADY_CANCELLED");
					}
				}
				case ResumeOne(int index) -> {
					if (bought.isEmpty()) {
						continue;
					}
					Api.Response resumed = api.post("/subscriptions/" + bought.get(index % bought.size()) + "/resume");
					assertThat(resumed.status()).as(resumed.toString()).isIn(200, 409);
				}
				case AdvanceDays(int days) -> {
					fixtures.advance("P" + days + "D");
					day += days;
				}
				case RunRenewals() -> assertThat(api.post("/renewals/run").status()).isEqualTo(200);
			}
		}

		List<JsonNode> charges = Listing.all(api, "/accounts/" + account + "/charges");
		List<String> subscriptions = Listing.all(api, "/accounts/" + account + "/subscriptions").stream()
			.map(s -> s.path("id").asString())
			.toList();
		assertThat(subscriptions).as("exactly the subscriptions that were answered 201, once each")
			.containsExactlyInAnyOrderElementsOf(new java.util.LinkedHashSet<>(bought));
		List<JsonNode> successful = charges.stream().filter(c -> !c.path("status").asString().equals("FAILED")).toList();
		Map<String, Long> perPeriod = successful.stream()
			.collect(java.util.stream.Collectors.groupingBy(
					c -> c.path("subscriptionId").asString() + " " + c.path("periodStart").asString(),
					java.util.stream.Collectors.counting()));
		assertThat(perPeriod).as("successful charges per subscription and period")
			.allSatisfy((period, count) -> assertThat(count).as(period).isEqualTo(1L));
		for (String id : subscriptions) {
			JsonNode s = fixtures.subscription(id).json();
			assertThat(successful).as("the first period of " + id + " is paid once")
				.filteredOn(c -> c.path("subscriptionId").asString().equals(id)
						&& c.path("periodStart").asString().equals(s.path("createdAt").asString()))
				.hasSize(1);
		}
		assertThat(charges).allSatisfy(c -> assertThat(subscriptions).contains(c.path("subscriptionId").asString()));

		// invariant 1 on the same charges: nothing kept for a period at or after a cancellation took effect
		for (String number : numbers) {
			JsonNode cancellation = api.get("/cancellations/" + number).json();
			String status = cancellation.path("status").asString();
			if (!status.equals("SCHEDULED") && !status.equals("EFFECTIVE")) {
				continue;
			}
			for (JsonNode item : cancellation.path("subscriptions").values()) {
				Instant end = Instant.parse(item.path("effectiveAt").asString());
				assertThat(successful).filteredOn(c -> c.path("subscriptionId").asString().equals(item.path("id").asString())
						&& !Instant.parse(c.path("periodStart").asString()).isBefore(end))
					.as("charges of %s for periods from %s (%s)", item.path("id").asString(), end, number)
					.allSatisfy(c -> assertThat(c.path("status").asString()).isEqualTo("REFUNDED"));
			}
		}
		for (String id : subscriptions) {
			fixtures.cancel(id, "IMMEDIATE");
		}
		Statistics.label("subscriptions bought").collect(subscriptions.size() < 2 ? "0-1" : subscriptions.size() < 4 ? "2-3" : "4+");
	}

	private static Purchase purchase(Map<String, Object> body, int day) {
		String key = UUID.randomUUID().toString();
		return new Purchase(key, body, api.with("Idempotency-Key", key).post("/subscriptions", body), day);
	}

	private static String notChargedCard(String account, String chargedCard) {
		return Listing.all(api, "/accounts/" + account + "/payment-methods").stream()
			.map(pm -> pm.path("id").asString())
			.filter(id -> !id.equals(chargedCard))
			.findFirst()
			.orElseThrow();
	}

	private static Api.Response refund(String chargeId, String key, String body) {
		return api.with("Idempotency-Key", key).send("POST", "/charges/" + chargeId + "/refunds", body, "application/json");
	}

	private static JsonNode chargeNow(String account, String chargeId) {
		return Listing.all(api, "/accounts/" + account + "/charges").stream()
			.filter(c -> c.path("id").asString().equals(chargeId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("charge " + chargeId + " is gone from the account's list"));
	}

	static Map<String, Long> prices() {
		return Map.of("antivirus-annual", 5999L, "antivirus-monthly", 699L, "vpn-annual", 4999L, "utilities-annual", 3999L,
				"total-annual", 11999L);
	}
}
