package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Whatever a browser can send to a portal or public form (U+0000, an oversized value, a
 * value the form never offers, a missing field) is a friendly page with a 4xx status, never a 500, and changes
 * nothing: no subscription, charge, card, device, withdrawal or notice of the customer moves. Every form sent
 * without its CSRF token is refused the same way.
 */
@SubdeskIntegrationTest
class PortalJunkInputIntegrationTests extends PortalTestSupport {

	private static final String NUL = "\u0000";

	private static final String HUGE = "x".repeat(100_000);

	/**
	 * One bad request: {@code path} and the values of {@code form} may name {@code {sub}}, {@code {charge}},
	 * {@code {card}}, {@code {device}}, {@code {order}} and {@code {email}} of a customer who could use the form.
	 */
	record Junk(String name, boolean signedIn, String path, Map<String, String> form) {

		@Override
		public String toString() {
			return name;
		}
	}

	static Stream<Junk> junk() {
		Map<String, String> cancel = Map.of("kind", "ORDINARY", "name", "Ann", "email", "{email}", "orderNumber",
				"{order}", "timing", "IMMEDIATELY", "confirmationEmail", "{email}");
		Map<String, String> withdraw = Map.of("name", "Ann", "email", "{email}", "orderNumber", "{order}");
		return Stream.of(new Junk("public cancel: NUL in the name", false, "/cancel", with(cancel, "name", "Ann" + NUL)),
				new Junk("public cancel: an oversized name", false, "/cancel", with(cancel, "name", HUGE)),
				new Junk("public cancel: a body beyond the server's form size", false, "/cancel",
						with(cancel, "name", "x".repeat(3_000_000))),
				new Junk("public cancel: an oversized reason", false, "/cancel",
						with(with(cancel, "kind", "EXTRAORDINARY"), "reason", HUGE)),
				new Junk("public cancel: a kind the form never offers", false, "/cancel", with(cancel, "kind", "SOMETIMES")),
				new Junk("public cancel: a timing the form never offers", false, "/cancel", with(cancel, "timing", "YESTERDAY")),
				new Junk("public cancel: no fields", false, "/cancel", Map.of()),
				new Junk("public cancel: NUL in the order number", false, "/cancel",
						with(cancel, "orderNumber", "{order}" + NUL)),
				new Junk("public withdraw: NUL in the order number", false, "/withdraw",
						with(withdraw, "orderNumber", "{order}" + NUL)),
				new Junk("public withdraw: an oversized email", false, "/withdraw", with(withdraw, "email", HUGE + "@x")),
				new Junk("public withdraw: no fields", false, "/withdraw", Map.of()),
				new Junk("sign-in: NUL in the email", false, "/portal/sign-in", Map.of("email", "{email}" + NUL)),
				new Junk("sign-in: no email", false, "/portal/sign-in", Map.of()),
				new Junk("cancel: a mode the form never offers", true, "/portal/subscriptions/{sub}/cancel",
						Map.of("mode", "SOMETIMES")),
				new Junk("cancel: a reason the form never offers", true, "/portal/subscriptions/{sub}/cancel",
						Map.of("mode", "IMMEDIATE", "reason", "HATE_IT")),
				new Junk("cancel: NUL in the comment", true, "/portal/subscriptions/{sub}/cancel",
						Map.of("mode", "IMMEDIATE", "comment", "no" + NUL)),
				new Junk("cancel: an oversized comment", true, "/portal/subscriptions/{sub}/cancel",
						Map.of("mode", "IMMEDIATE", "comment", HUGE)),
				new Junk("auto-renewal: neither on nor off", true, "/portal/subscriptions/{sub}/auto-renew",
						Map.of("autoRenew", "maybe")),
				new Junk("auto-renewal: no value", true, "/portal/subscriptions/{sub}/auto-renew", Map.of()),
				new Junk("withdraw: NUL in the name", true, "/portal/subscriptions/{sub}/withdraw",
						Map.of("name", NUL, "email", "{email}")),
				new Junk("withdraw: an oversized name", true, "/portal/subscriptions/{sub}/withdraw",
						Map.of("name", HUGE, "email", "{email}")),
				new Junk("withdraw: no fields", true, "/portal/subscriptions/{sub}/withdraw", Map.of()),
				new Junk("offer: no offer id", true, "/portal/subscriptions/{sub}/offer", Map.of()),
				new Junk("cancel everything: a mode the form never offers", true, "/portal/cancel-all",
						Map.of("mode", "EVERYTHING")),
				new Junk("dispute: a reason the form never offers", true, "/portal/charges/{charge}/dispute",
						Map.of("reason", "FUN")),
				new Junk("dispute: no reason", true, "/portal/charges/{charge}/dispute", Map.of()),
				new Junk("card: a token the form never offers", true, "/portal/cards", Map.of("token", "tok_chargeDeclined")),
				new Junk("card: NUL in the token", true, "/portal/cards", Map.of("token", "tok_visa" + NUL)),
				new Junk("card: a postcode with markup", true, "/portal/cards",
						Map.of("token", "tok_visa", "billingPostcode", "<b>1</b>")),
				new Junk("card: an oversized postcode", true, "/portal/cards",
						Map.of("token", "tok_visa", "billingPostcode", "1234567890123")),
				new Junk("remove card: NUL beside the id", true, "/portal/cards/{card}/remove", Map.of("x", NUL)),
				new Junk("deactivate device: NUL beside the id", true, "/portal/devices/{device}/deactivate",
						Map.of("x", NUL)),
				new Junk("close: the wrong confirmation word", true, "/portal/account/close", Map.of("confirm", "yes")),
				new Junk("close: NUL in the confirmation", true, "/portal/account/close", Map.of("confirm", "CLOSE" + NUL)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("junk")
	void aBadValueIsAFriendlyClientErrorPageAndChangesNothing(Junk junk) {
		Prepared sent = prepare(junk);
		String before = state(sent.customer().account());

		PortalSession.Page page = sent.session().post(sent.path(), sent.form());

		assertThat(page.status()).as(junk.name()).isBetween(400, 499).isNotEqualTo(403);
		assertThat(page.body()).as(junk.name())
			.contains("<main")
			.contains("Cancel contracts here")
			.doesNotContainIgnoringCase("exception")
			.doesNotContain("Whitelabel");
		assertThat(state(sent.customer().account())).as(junk.name()).isEqualTo(before);
	}

	static Stream<Junk> everyForm() {
		Map<String, String> cancel = Map.of("kind", "ORDINARY", "name", "Ann", "email", "{email}", "orderNumber",
				"{order}", "timing", "IMMEDIATELY", "confirmationEmail", "{email}");
		return Stream.of(new Junk("public cancel", false, "/cancel", cancel),
				new Junk("public withdraw", false, "/withdraw", Map.of("name", "Ann", "email", "{email}", "orderNumber", "{order}")),
				new Junk("sign-in", false, "/portal/sign-in", Map.of("email", "{email}")),
				new Junk("cancel", true, "/portal/subscriptions/{sub}/cancel", Map.of("mode", "IMMEDIATE")),
				new Junk("auto-renewal off", true, "/portal/subscriptions/{sub}/auto-renew", Map.of("autoRenew", "false")),
				new Junk("withdraw", true, "/portal/subscriptions/{sub}/withdraw", Map.of("name", "Ann", "email", "{email}")),
				new Junk("cancel everything", true, "/portal/cancel-all", Map.of("mode", "IMMEDIATE")),
				new Junk("dispute", true, "/portal/charges/{charge}/dispute", Map.of("reason", "UNRECOGNIZED")),
				new Junk("add a card", true, "/portal/cards", Map.of("token", "tok_mastercard")),
				new Junk("remove a card", true, "/portal/cards/{card}/remove", Map.of()),
				new Junk("deactivate a device", true, "/portal/devices/{device}/deactivate", Map.of()),
				new Junk("close the account", true, "/portal/account/close", Map.of("confirm", "CLOSE")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("everyForm")
	void everyFormWithoutItsCsrfTokenIsRefusedAndChangesNothing(Junk post) {
		Prepared sent = prepare(post);
		String before = state(sent.customer().account());

		PortalSession.Page page = sent.session().postWithoutToken(sent.path(), sent.form());

		assertThat(page.status()).as(post.name()).isEqualTo(403);
		assertThat(state(sent.customer().account())).as(post.name()).isEqualTo(before);
	}

	/** A customer who could use the form, their browser (signed in when the form needs it) and the form for them. */
	private record Prepared(Customer customer, PortalSession session, String path, Map<String, String> form) {
	}

	private Prepared prepare(Junk junk) {
		Customer c = customerWith("antivirus-annual");
		Map<String, String> ids = ids(c);
		PortalSession session = junk.signedIn() ? new PortalSession(port).signIn(api, c.account()) : new PortalSession(port);
		session.get(junk.signedIn() ? "/portal/account" : "/cancel");
		Map<String, String> form = new LinkedHashMap<>();
		junk.form().forEach((k, v) -> form.put(k, fill(v, ids)));
		return new Prepared(c, session, fill(junk.path(), ids), form);
	}

	/** The customer's ids for the placeholders of {@link Junk}, with a device on the subscription's seat. */
	private Map<String, String> ids(Customer c) {
		String device = api.post("/accounts/" + c.account() + "/devices",
				Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", c.subscription())).id();
		return Map.of("{sub}", c.subscription(), "{charge}", charges(c.account()).get(0).path("id").asString(), "{card}",
				cards(c.account()).get(0).path("id").asString(), "{device}", device, "{order}", c.orderNumber(), "{email}",
				c.email());
	}

	private static Map<String, String> with(Map<String, String> form, String field, String value) {
		Map<String, String> changed = new LinkedHashMap<>(form);
		changed.put(field, value);
		return changed;
	}

	private static String fill(String value, Map<String, String> ids) {
		String filled = value;
		for (Map.Entry<String, String> id : ids.entrySet()) {
			filled = filled.replace(id.getKey(), id.getValue());
		}
		return filled;
	}

	/** Everything a bad request must not move, as one string to compare. */
	private String state(String account) {
		StringBuilder state = new StringBuilder(api.get("/accounts/" + account).text("status"));
		for (JsonNode s : api.get("/accounts/" + account + "/subscriptions").json().path("data").values()) {
			state.append('|').append(s.path("id").asString()).append(' ').append(s.path("status").asString()).append(' ')
				.append(s.path("autoRenew").asBoolean()).append(' ').append(s.path("price").path("amount").asLong());
		}
		charges(account).forEach(ch -> state.append('|').append(ch.path("status").asString()).append(' ')
			.append(ch.path("refundedAmount").asLong()));
		cards(account).forEach(card -> state.append("|card ").append(card.path("id").asString()));
		api.get("/accounts/" + account + "/devices").json().path("data").values()
			.forEach(d -> state.append("|device ").append(d.path("status").asString()));
		noticeTypes(account).stream().filter(type -> !"SIGN_IN_CODE".equals(type))
			.forEach(type -> state.append("|notice ").append(type));
		return state.toString();
	}

	private List<JsonNode> charges(String account) {
		return api.get("/accounts/" + account + "/charges").json().path("data").values().stream().toList();
	}

	private List<JsonNode> cards(String account) {
		return api.get("/accounts/" + account + "/payment-methods").json().path("data").values().stream().toList();
	}
}
