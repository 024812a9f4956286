package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * DESIGN.md invariants 4 and 5 over real HTTP. Invariant 4: every cancellation yields exactly one confirmation
 * number, one confirmation notice and a receipt whose signature verifies, and the number finds it forever.
 * Invariant 5: a cancellation request is never turned into a pause, discount or downgrade unless the customer
 * accepted that offer explicitly; declining takes no extra step.
 */
class CancellationProperties {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Map<String, Long> PRICES = Map.of("antivirus-annual", 5999L, "antivirus-monthly", 699L,
			"total-annual", 11999L, "vpn-annual", 4999L, "identity-addon-annual", 2999L, "vpn-addon-monthly", 299L);

	private static SubdeskServer server;
	private static Api api;
	private static Api anonymous;
	private static Fixtures fixtures;

	@BeforeContainer
	static void startServer() {
		server = SubdeskServer.start();
		api = server.api();
		anonymous = api.with("Authorization", null);
		fixtures = server.fixtures();
	}

	@AfterContainer
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	enum Target {
		BASE, ADD_ON
	}

	/** A base subscription and, when {@code addOnPlan} is not empty, one add-on to it. */
	record Setup(String basePlan, String addOnPlan) {

		boolean hasAddOn() {
			return !addOnPlan.isEmpty();
		}
	}

	@Provide
	Arbitrary<Setup> setups() {
		return Arbitraries.of(new Setup("antivirus-annual", ""), new Setup("antivirus-monthly", ""),
				new Setup("total-annual", ""), new Setup("vpn-annual", ""),
				new Setup("antivirus-annual", "identity-addon-annual"), new Setup("antivirus-annual", "vpn-addon-monthly"),
				new Setup("antivirus-monthly", "vpn-addon-monthly"), new Setup("total-annual", "identity-addon-annual"));
	}

	// ---------------------------------------------------------------------------------------------------------
	// Invariant 4: one confirmation per cancellation
	// ---------------------------------------------------------------------------------------------------------

	sealed interface Action {
	}

	record Quote(Target target) implements Action {
	}

	record Cancel(Target target, String mode) implements Action {
	}

	record Resume(Target target) implements Action {
	}

	record PatchAutoRenew(Target target, boolean autoRenew) implements Action {
	}

	record Advance(int days) implements Action {
	}

	/** Buys the add-on again when the one there was has ended (or there was none). */
	record BuyAddOn() implements Action {
	}

	@Provide
	Arbitrary<List<Action>> actions() {
		Arbitrary<Target> targets = Arbitraries.of(Target.class);
		Arbitrary<String> modes = Arbitraries.of("IMMEDIATE", "END_OF_TERM");
		Arbitrary<Action> action = Arbitraries.frequencyOf(
				Tuple.of(2, targets.map(Quote::new)),
				Tuple.of(4, Combinators.combine(targets, modes).as(Cancel::new)),
				Tuple.of(3, targets.map(Resume::new)),
				Tuple.of(3, Combinators.combine(targets, Arbitraries.of(true, false)).as(PatchAutoRenew::new)),
				Tuple.of(2, Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(1, 10)),
						Tuple.of(2, Arbitraries.integers().between(25, 40)), Tuple.of(1, Arbitraries.of(366))).map(Advance::new)),
				Tuple.of(1, Arbitraries.just(new BuyAddOn())));
		return action.list().ofMinSize(3).ofMaxSize(14);
	}

	@Property(tries = 40)
	void everyCancellationHasOneNumberOneNoticeAndAReceiptThatVerifies(@ForAll("setups") Setup setup,
			@ForAll("actions") List<Action> actions) throws Exception {
		String account = fixtures.accountWithVisa();
		Map<Target, String> subs = new HashMap<>();
		subs.put(Target.BASE, fixtures.subscribe(account, setup.basePlan()));
		String addOnPlan = setup.hasAddOn() ? setup.addOnPlan()
				: setup.basePlan().equals("antivirus-monthly") || setup.basePlan().equals("antivirus-annual")
						? "vpn-addon-monthly" : "";
		if (setup.hasAddOn()) {
			subs.put(Target.ADD_ON, fixtures.addOn(account, addOnPlan, subs.get(Target.BASE)));
		}

		Set<String> numbers = new LinkedHashSet<>();
		Map<String, JsonNode> issued = new HashMap<>();
		for (Action action : actions) {
			if (action instanceof Quote(Target t) && subs.containsKey(t)) {
				Api.Response quote = api.post("/subscriptions/" + subs.get(t) + "/cancellation-quote", Map.of());
				expect(action, quote, 200, "ALREADY_CANCELLED");
			}
			else if (action instanceof Cancel(Target t, String mode) && subs.containsKey(t)) {
				boolean wasScheduled = scheduled(subs.get(t));
				Api.Response cancel = fixtures.cancel(subs.get(t), mode);
				expect(action, cancel, 200, "ALREADY_CANCELLED");
				if (cancel.status() == 200) {
					String number = cancel.text("confirmationNumber");
					assertThat(cancel.text("mode")).isEqualTo(mode);
					if (wasScheduled && mode.equals("END_OF_TERM")) {
						assertThat(numbers).as("END_OF_TERM while scheduled returns that same cancellation").contains(number);
					}
					else {
						assertThat(numbers).as("a new cancellation gets a new number").doesNotContain(number);
						issued.put(number, cancel.json());
					}
					numbers.add(number);
				}
			}
			else if (action instanceof Resume(Target t) && subs.containsKey(t)) {
				Api.Response resumed = api.post("/subscriptions/" + subs.get(t) + "/resume");
				expect(action, resumed, 200, "NOT_SCHEDULED_TO_END", "PARENT_ENDING");
			}
			else if (action instanceof PatchAutoRenew(Target t, boolean on) && subs.containsKey(t)) {
				boolean wasScheduled = scheduled(subs.get(t));
				Api.Response patched = api.patch("/subscriptions/" + subs.get(t), Map.of("autoRenew", on));
				expect(action, patched, 200, "ALREADY_CANCELLED", "NOT_SCHEDULED_TO_END", "PARENT_ENDING");
				JsonNode number = patched.json().path("confirmationNumber");
				if (patched.status() == 200 && !on) {
					assertThat(number.isString()).as("autoRenew false names its cancellation: " + patched).isTrue();
					if (wasScheduled) {
						assertThat(numbers).as("already scheduled: the same cancellation").contains(number.asString());
					}
					else {
						assertThat(numbers).as("a new cancellation gets a new number").doesNotContain(number.asString());
					}
					numbers.add(number.asString());
				}
				else if (patched.status() == 200) {
					assertThat(number.isNull()).as(patched.toString()).isTrue();
				}
			}
			else if (action instanceof Advance(int days)) {
				fixtures.advance("P" + days + "D");
			}
			else if (action instanceof BuyAddOn && !addOnPlan.isEmpty()) {
				Api.Response bought = api.post("/subscriptions", Map.of("accountId", account, "planCode", addOnPlan,
						"parentSubscriptionId", subs.get(Target.BASE), "consent",
						fixtures.consent(account, addOnPlan, subs.get(Target.BASE))));
				expect(action, bought, 201, "PARENT_NOT_ACTIVE", "ADD_ON_EXISTS");
				if (bought.status() == 201) {
					subs.put(Target.ADD_ON, bought.id());
				}
			}
		}
		// the try ends with everything cancelled at once (so nothing of it is left to run at later clock advances)
		numbers.addAll(endEverything(subs.values()));

		assertOneConfirmationEach(account, numbers, true);
		issued.forEach((number, cancellation) -> assertThat(
				api.get("/cancellations/" + number + "/receipt").json().path("cancellation"))
			.as("the receipt holds the cancellation as its answer gave it, refunds paid back: " + number)
			.isEqualTo(cancellation));
		Statistics.label("cancellations per try").collect(numbers.size() < 2 ? "0-1" : numbers.size() < 4 ? "2-3" : "4+");
	}

	/** What an account-wide request finds before it: each subscription cancelled alone in a mode, or left as it is. */
	record Before(Target target, String mode) {
	}

	@Provide
	Arbitrary<List<Before>> befores() {
		return Combinators.combine(Arbitraries.of(Target.class), Arbitraries.of("IMMEDIATE", "END_OF_TERM"))
			.as(Before::new)
			.list()
			.ofMaxSize(2);
	}

	/**
	 * Cancel-all and account closure create cancellations too: each of them gets one number, one notice and a
	 * receipt, and afterwards nothing DIRECT is left running (IMMEDIATE, close) or renewing (END_OF_TERM). The
	 * number still finds the cancellation once the account is closed and its personal data erased.
	 */
	@Property(tries = 30)
	void cancelAllAndCloseGiveEveryCancellationItsConfirmation(@ForAll("setups") Setup setup,
			@ForAll("befores") List<Before> befores, @ForAll("accountWide") String request) throws Exception {
		String account = fixtures.accountWithVisa();
		Map<Target, String> subs = new HashMap<>();
		subs.put(Target.BASE, fixtures.subscribe(account, setup.basePlan()));
		if (setup.hasAddOn()) {
			subs.put(Target.ADD_ON, fixtures.addOn(account, setup.addOnPlan(), subs.get(Target.BASE)));
		}
		Set<String> numbers = new LinkedHashSet<>();
		for (Before before : befores) {
			if (subs.containsKey(before.target())) {
				Api.Response cancelled = fixtures.cancel(subs.get(before.target()), before.mode());
				expect(before, cancelled, 200, "ALREADY_CANCELLED");
				if (cancelled.status() == 200) {
					numbers.add(cancelled.text("confirmationNumber"));
				}
			}
		}
		boolean close = request.equals("CLOSE");
		Api.Response response = close ? api.post("/accounts/" + account + "/close")
				: api.post("/accounts/" + account + "/cancel-all", Map.of("mode", request));
		assertThat(response.status()).as(request + " → " + response).isEqualTo(200);
		response.json().path("cancellations").values().forEach(c -> numbers.add(c.path("confirmationNumber").asString()));
		for (String id : subs.values()) {
			JsonNode s = fixtures.subscription(id).json();
			assertThat(s.path("autoRenew").asBoolean()).as(id).isFalse();
			if (close || request.equals("IMMEDIATE")) {
				assertThat(s.path("status").asString()).as(id).isEqualTo("CANCELLED");
			}
			else {
				assertThat(s.path("cancelAt").isNull()).as(id).isFalse();
			}
		}
		assertOneConfirmationEach(account, numbers, !close);
		if (!close) {
			endEverything(subs.values());
		}
		Statistics.label("request").collect(request + (setup.hasAddOn() ? " with add-on" : ""));
	}

	@Provide
	Arbitrary<String> accountWide() {
		return Arbitraries.of("IMMEDIATE", "END_OF_TERM", "CLOSE");
	}

	/** Cancels IMMEDIATE whatever has not ended yet; the confirmation numbers of the new cancellations. */
	private static List<String> endEverything(java.util.Collection<String> subscriptionIds) {
		List<String> numbers = new ArrayList<>();
		for (String id : subscriptionIds.stream().sorted().toList()) {
			Api.Response cancelled = fixtures.cancel(id, "IMMEDIATE");
			if (cancelled.status() == 200) {
				numbers.add(cancelled.text("confirmationNumber"));
			}
			else {
				assertThat(cancelled.code()).as(cancelled.toString()).isEqualTo("ALREADY_CANCELLED");
			}
		}
		return numbers;
	}

	private static void assertOneConfirmationEach(String account, Set<String> numbers, boolean bodies) throws Exception {
		List<JsonNode> confirmations = Listing.all(api, "/accounts/" + account + "/notices").stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_CONFIRMATION"))
			.toList();
		Map<String, Long> perNumber = confirmations.stream()
			.collect(Collectors.groupingBy(n -> n.path("relatedId").asString(), Collectors.counting()));
		assertThat(perNumber.keySet()).as("one notice per confirmation number, and none without one")
			.containsExactlyInAnyOrderElementsOf(numbers);
		assertThat(perNumber).allSatisfy((number, count) -> assertThat(count).as(number).isEqualTo(1L));
		for (JsonNode notice : confirmations) {
			if (bodies) {
				assertThat(notice.path("body").asString()).contains(notice.path("relatedId").asString());
			}
		}
		for (String number : numbers) {
			assertThat(number).matches("CXL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
			Api.Response found = api.get("/cancellations/" + number);
			assertThat(found.status()).as(number + " → " + found).isEqualTo(200);
			assertThat(found.text("confirmationNumber")).isEqualTo(number);
			Api.Response lower = api.get("/cancellations/" + number.toLowerCase(Locale.ROOT));
			assertThat(lower.status()).as("lower case " + number).isEqualTo(200);
			assertThat(lower.text("confirmationNumber")).isEqualTo(number);

			Api.Response receipt = api.get("/cancellations/" + number + "/receipt");
			assertThat(receipt.status()).as(number + " receipt → " + receipt).isEqualTo(200);
			assertThat(receipt.json().path("cancellation").path("confirmationNumber").asString()).isEqualTo(number);
			Api.Response verified = anonymous.post("/receipts/verify", receipt.raw());
			assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
			assertThat(verified.json().path("valid").asBoolean()).as("server verifies " + number).isTrue();
			assertThat(signatureVerifies(receipt.json())).as("verifies with the published key " + number).isTrue();
			ObjectNode tampered = (ObjectNode) receipt.json().deepCopy();
			((ObjectNode) tampered.path("cancellation")).put("mode",
					tampered.path("cancellation").path("mode").asString().equals("IMMEDIATE") ? "END_OF_TERM" : "IMMEDIATE");
			assertThat(anonymous.post("/receipts/verify", tampered).json().path("valid").asBoolean())
				.as("a tampered receipt of " + number).isFalse();
			assertThat(api.get("/cancellations/" + number + "/receipt").raw()).as("issued once").isEqualTo(receipt.raw());
		}
	}

	/** Checks a receipt's Ed25519 signature on the client, with the key published at /receipt-keys. */
	private static boolean signatureVerifies(JsonNode receipt) throws Exception {
		String keyId = receipt.path("keyId").asString();
		JsonNode key = anonymous.get("/receipt-keys").json().path("data").values().stream()
			.filter(k -> k.path("keyId").asString().equals(keyId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no published key " + keyId));
		assertThat(key.path("algorithm").asString()).isEqualTo("Ed25519");
		byte[] raw = Base64.getUrlDecoder().decode(key.path("publicKey").asString());
		byte[] x509 = new byte[12 + raw.length];
		System.arraycopy(new byte[] { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 }, 0, x509, 0, 12);
		System.arraycopy(raw, 0, x509, 12, raw.length);
		PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
		ObjectNode signed = JSON.createObjectNode();
		signed.set("cancellation", receipt.path("cancellation"));
		signed.set("issuedAt", receipt.path("issuedAt"));
		Signature verifier = Signature.getInstance("Ed25519");
		verifier.initVerify(publicKey);
		verifier.update(dev.subdesk.shared.CanonicalJson.of(signed).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		return verifier.verify(Base64.getUrlDecoder().decode(receipt.path("signature").asString()));
	}

	private static boolean scheduled(String subscriptionId) {
		JsonNode s = fixtures.subscription(subscriptionId).json();
		String status = s.path("status").asString();
		return (status.equals("ACTIVE") || status.equals("PAST_DUE")) && !s.path("cancelAt").isNull();
	}

	private static void expect(Object action, Api.Response response, int success, String... conflicts) {
		if (response.status() == success) {
			return;
		}
		assertThat(response.status()).as(action + " → " + response).isEqualTo(409);
		assertThat(response.code()).as(action + " → " + response).isIn((Object[]) conflicts);
	}

	// ---------------------------------------------------------------------------------------------------------
	// Invariant 5: a cancellation never becomes an offer
	// ---------------------------------------------------------------------------------------------------------

	/** Where the customer lives: the offer policy depends on it (never to US customers in MN or of unknown region). */
	record Customer(String country, String region) {
	}

	/** The request that follows the quotes: cancel in a mode (with or without a reason), or PATCH autoRenew false. */
	record Request(Target target, String mode, String reason, boolean viaPatch) {
	}

	@Provide
	Arbitrary<Customer> customers() {
		return Arbitraries.of(new Customer("DE", ""), new Customer("GB", ""), new Customer("US", "CA"),
				new Customer("US", "MN"), new Customer("US", ""));
	}

	@Provide
	Arbitrary<List<Target>> quotes() {
		return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(Target.BASE)), Tuple.of(1, Arbitraries.just(Target.ADD_ON)))
			.list()
			.ofMaxSize(4);
	}

	@Provide
	Arbitrary<Request> requests() {
		Arbitrary<Target> targets = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(Target.BASE)),
				Tuple.of(1, Arbitraries.just(Target.ADD_ON)));
		Arbitrary<Request> cancels = Combinators.combine(targets, Arbitraries.of("IMMEDIATE", "END_OF_TERM"),
				Arbitraries.of("", "TOO_EXPENSIVE", "NOT_USING", "SWITCHING", "TECHNICAL_ISSUES", "OTHER"))
			.as((t, m, r) -> new Request(t, m, r, false));
		Arbitrary<Request> patches = targets.map(t -> new Request(t, "END_OF_TERM", "", true));
		return Arbitraries.frequencyOf(Tuple.of(4, cancels), Tuple.of(1, patches));
	}

	@Property(tries = 60)
	void aCancellationIsNeverTurnedIntoAnOffer(@ForAll("customers") Customer customer, @ForAll("setups") Setup setup,
			@ForAll("quotes") List<Target> quotes, @ForAll("requests") Request request) {
		String account = fixtures.account(customer.country(), customer.region().isEmpty() ? null : customer.region());
		fixtures.card(account, "tok_visa");
		Map<Target, String> subs = new HashMap<>();
		subs.put(Target.BASE, fixtures.subscribe(account, setup.basePlan()));
		if (setup.hasAddOn()) {
			subs.put(Target.ADD_ON, fixtures.addOn(account, setup.addOnPlan(), subs.get(Target.BASE)));
		}
		Target target = subs.containsKey(request.target()) ? request.target() : Target.BASE;
		Map<Target, JsonNode> before = new HashMap<>();
		subs.forEach((t, id) -> before.put(t, fixtures.subscription(id).json()));

		// quotes change nothing but the one offer of the term they show
		Map<String, String> offers = new HashMap<>();
		for (Target quoted : quotes) {
			if (!subs.containsKey(quoted)) {
				continue;
			}
			String id = subs.get(quoted);
			Api.Response quote = api.post("/subscriptions/" + id + "/cancellation-quote", Map.of());
			assertThat(quote.status()).as(quote.toString()).isEqualTo(200);
			JsonNode offer = quote.json().path("offer");
			if (offer.isObject()) {
				assertThat(offer.path("subscriptionId").asString()).isEqualTo(id);
				assertThat(offer.path("kind").asString()).isEqualTo("DISCOUNT");
				String earlier = offers.putIfAbsent(id, offer.path("id").asString());
				assertThat(earlier == null || earlier.equals(offer.path("id").asString()))
					.as("at most one offer per term: %s then %s", earlier, offer.path("id").asString())
					.isTrue();
			}
			subs.forEach((t, sid) -> assertThat(fixtures.subscription(sid).json()).as("a quote changes nothing")
				.isEqualTo(before.get(t)));
		}

		String id = subs.get(target);
		JsonNode cancellation;
		if (request.viaPatch()) {
			Api.Response patched = api.patch("/subscriptions/" + id, Map.of("autoRenew", false));
			assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
			cancellation = api.get("/cancellations/" + patched.text("confirmationNumber")).json();
		}
		else {
			Map<String, Object> body = new HashMap<>();
			body.put("mode", request.mode());
			if (!request.reason().isEmpty()) {
				body.put("reason", request.reason());
			}
			Api.Response cancelled = api.post("/subscriptions/" + id + "/cancel", body);
			assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
			cancellation = cancelled.json();
		}
		boolean immediate = request.mode().equals("IMMEDIATE");
		assertThat(cancellation.path("mode").asString()).isEqualTo(request.mode());
		assertThat(cancellation.path("status").asString()).isEqualTo(immediate ? "EFFECTIVE" : "SCHEDULED");
		assertThat(cancellation.path("subscriptionIds").get(0).asString()).isEqualTo(id);

		// the named subscription ends exactly as asked, at its price, on its plan and its period
		JsonNode was = before.get(target);
		JsonNode now = fixtures.subscription(id).json();
		assertUnchangedTerms(now, was);
		assertThat(now.path("autoRenew").asBoolean()).isFalse();
		if (immediate) {
			assertThat(now.path("status").asString()).isEqualTo("CANCELLED");
			assertThat(now.path("cancelledAt").asString()).isEqualTo(cancellation.path("effectiveAt").asString());
			assertThat(now.path("cancelAt").asString()).isEqualTo(now.path("cancelledAt").asString());
		}
		else {
			assertThat(now.path("status").asString()).isEqualTo("ACTIVE");
			assertThat(now.path("cancelAt").asString()).isEqualTo(was.path("currentPeriodEnd").asString());
			assertThat(now.path("cancelledAt").isNull()).isTrue();
		}

		if (target == Target.BASE && subs.containsKey(Target.ADD_ON)) {
			// its add-on ends with it, never later, never at another price
			JsonNode addOnWas = before.get(Target.ADD_ON);
			JsonNode addOn = fixtures.subscription(subs.get(Target.ADD_ON)).json();
			assertUnchangedTerms(addOn, addOnWas);
			assertThat(addOn.path("autoRenew").asBoolean()).isFalse();
			if (immediate) {
				assertThat(addOn.path("status").asString()).isEqualTo("CANCELLED");
			}
			else {
				Instant ownEnd = Instant.parse(addOnWas.path("currentPeriodEnd").asString());
				Instant baseEnd = Instant.parse(now.path("cancelAt").asString());
				assertThat(addOn.path("status").asString()).isEqualTo("ACTIVE");
				assertThat(Instant.parse(addOn.path("cancelAt").asString()))
					.isEqualTo(ownEnd.isBefore(baseEnd) ? ownEnd : baseEnd);
			}
		}
		else if (target == Target.ADD_ON) {
			assertThat(fixtures.subscription(subs.get(Target.BASE)).json()).as("cancelling the add-on leaves its base")
				.isEqualTo(before.get(Target.BASE));
		}

		// declining took no step of its own: the offer shown before the cancellation is gone
		String declined = offers.get(id);
		if (declined != null) {
			Api.Response accept = api.post("/offers/" + declined + "/accept");
			assertThat(accept.status()).as("accepting an offer after cancelling → " + accept).isEqualTo(409);
			assertThat(accept.code()).isEqualTo("OFFER_NOT_AVAILABLE");
			assertThat(fixtures.subscription(id).json().path("price")).isEqualTo(was.path("price"));
		}
		if (!immediate) {
			Api.Response quote = api.post("/subscriptions/" + id + "/cancellation-quote", Map.of());
			assertThat(quote.status()).as(quote.toString()).isEqualTo(200);
			assertThat(quote.json().path("offer").isNull()).as("no offer once auto-renewal is off: " + quote).isTrue();
		}
		long confirmations = Listing.all(api, "/accounts/" + account + "/notices").stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_CONFIRMATION"))
			.count();
		assertThat(confirmations).isEqualTo(1);

		endEverything(subs.values());
		Statistics.label("offer shown before cancelling").collect(declined != null);
		Statistics.label("request").collect(target + " " + request.mode() + (request.viaPatch() ? " (PATCH)" : ""));
	}

	/** Plan, price and period as bought: no downgrade, no discount, no pause that moves the period. */
	private static void assertUnchangedTerms(JsonNode now, JsonNode was) {
		assertThat(now.path("planCode").asString()).isEqualTo(was.path("planCode").asString());
		assertThat(now.path("price")).isEqualTo(was.path("price"));
		assertThat(now.path("price").path("amount").asLong()).isEqualTo(PRICES.get(was.path("planCode").asString()));
		assertThat(now.path("currentPeriodStart")).isEqualTo(was.path("currentPeriodStart"));
		assertThat(now.path("currentPeriodEnd")).isEqualTo(was.path("currentPeriodEnd"));
	}
}
