package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Callers of the console tests: customers made through the API, and what reaches their inbox. */
final class Callers {

	private static final Pattern CASE = Pattern.compile("(?:case=|cases/)(CASE-[0-9A-Z]{6})");

	private static final Pattern CODE = Pattern.compile("(?:verification code is|Bestätigungscode lautet) (\\d{6})");

	/** A customer with a unique name, a VISA card registered with a billing postcode, and a yearly VPN. */
	record Caller(String account, String name, String email, String subscription) {
	}

	private final Api api;

	Callers(Api api) {
		this.api = api;
	}

	Caller withVpn(String billingPostcode) {
		return withVpn(billingPostcode, "Quentin " + UUID.randomUUID().toString().substring(0, 8) + " Marlowe", "tok_visa");
	}

	/** As {@link #withVpn(String)}, with this name and a card from this sandbox token ({@code tok_mastercard}: 4444). */
	Caller withVpn(String billingPostcode, String name, String cardToken) {
		Map<String, Object> body = new HashMap<>(Map.of("email", Fixtures.uniqueEmail(), "name", name, "country", "DE"));
		Api.Response account = api.post("/accounts", body);
		assertThat(account.status()).as(account.toString()).isEqualTo(201);
		Api.Response card = api.post("/accounts/" + account.id() + "/payment-methods",
				Map.of("token", cardToken, "billingPostcode", billingPostcode));
		assertThat(card.status()).as(card.toString()).isEqualTo(201);
		Api.Response subscription = api.post("/subscriptions", Map.of("accountId", account.id(), "planCode", "vpn-annual"));
		assertThat(subscription.status()).as(subscription.toString()).isEqualTo(201);
		return new Caller(account.id(), name, account.text("email"), subscription.id());
	}

	/** The agent verifies the caller by email and billing postcode; returns the call's case number. */
	static String verify(ConsoleClient agent, Caller caller, String postcodeAsSaid) {
		return verify(agent, caller, postcodeAsSaid, "PHONE");
	}

	/** As {@link #verify(ConsoleClient, Caller, String)}, for a customer who reached the agent by {@code contact}. */
	static String verify(ConsoleClient agent, Caller caller, String postcodeAsSaid, String contact) {
		ConsoleClient.Page page = agent.post("/console/accounts/" + caller.account() + "/verify",
				Map.of("email", caller.email(), "billingPostcode", postcodeAsSaid, "contact", contact));
		Matcher m = CASE.matcher(page.location());
		assertThat(m.find()).as(page.location()).isTrue();
		assertThat(agent.followed(page)).contains("Caller verified.");
		return m.group(1);
	}

	/**
	 * The code in the newest VERIFICATION_CODE email of the account, as the caller reads it; the API lists the
	 * notice without its text.
	 */
	String emailedCode(String account) {
		assertThat(api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> "VERIFICATION_CODE".equals(n.path("type").asString())))
			.isNotEmpty()
			.allMatch(n -> n.path("body").isNull());
		String body = Mailbox.latestBody(api, account, "VERIFICATION_CODE");
		Matcher m = CODE.matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return m.group(1);
	}

	/** What the newest notice of this type is about (a confirmation number, a refund id...). */
	String latestRelatedId(String account, String type) {
		return api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> type.equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + type + " notice for " + account))
			.path("relatedId")
			.asString();
	}

	long notices(String account, String type) {
		return api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> type.equals(n.path("type").asString()))
			.count();
	}

	JsonNode firstCharge(String account) {
		return api.get("/accounts/" + account + "/charges").json().path("data").get(0);
	}

	/**
	 * The agent sends a step-up code for one action ({@code action}, and {@code target}, {@code email} or
	 * {@code amount} as it needs) and types what the caller reads back from the email.
	 */
	void confirmStepUp(ConsoleClient agent, Caller caller, String caseNumber, Map<String, String> action) {
		String base = "/console/accounts/" + caller.account();
		Map<String, String> send = new HashMap<>(action);
		send.put("caseNumber", caseNumber);
		agent.followed(agent.post(base + "/step-up/send", send));
		assertThat(agent.followed(agent.post(base + "/step-up/confirm",
				Map.of("code", emailedCode(caller.account()), "caseNumber", caseNumber)))).contains("Code confirmed");
	}

	/** As {@link #confirmStepUp}, for closing the account. */
	void confirmClosing(ConsoleClient agent, Caller caller, String caseNumber) {
		confirmStepUp(agent, caller, caseNumber, Map.of("action", "CLOSE_ACCOUNT"));
	}

	/** As {@link #confirmStepUp}, for a goodwill refund of {@code amount} (blank: all that is left) of the charge. */
	void confirmRefund(ConsoleClient agent, Caller caller, String caseNumber, String charge, String amount) {
		confirmStepUp(agent, caller, caseNumber, Map.of("action", "REFUND", "target", charge, "amount", amount));
	}

	/** As {@link #confirmStepUp}, for removing this card. */
	void confirmCardRemoval(ConsoleClient agent, Caller caller, String caseNumber, String card) {
		confirmStepUp(agent, caller, caseNumber, Map.of("action", "REMOVE_CARD", "target", card));
	}

	/**
	 * The whole change of email through the console's forms: the code for the change to the email on file, read back;
	 * a code to the new address, read back from there; the change. Returns the agent's message.
	 */
	String changeEmail(ConsoleClient agent, Caller caller, String caseNumber, String newEmail) {
		confirmStepUp(agent, caller, caseNumber, Map.of("action", "CHANGE_EMAIL", "email", newEmail));
		String base = "/console/accounts/" + caller.account();
		assertThat(agent.followed(agent.post(base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber))))
			.contains("A six-digit code was sent to the new address");
		return agent.followed(agent.post(base + "/email", Map.of("email", newEmail, "code", codeSentTo(newEmail),
				"caseNumber", caseNumber)));
	}

	/** The code in the newest VERIFICATION_CODE email to this address (a new address an agent is changing to). */
	String codeSentTo(String address) {
		String body = Mailbox.latestBodyTo(api, address, "VERIFICATION_CODE");
		Matcher m = CODE.matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return m.group(1);
	}
}
