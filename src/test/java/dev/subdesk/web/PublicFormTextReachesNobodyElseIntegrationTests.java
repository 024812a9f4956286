package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.support.Support;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Nothing typed in the public forms (sent without signing in) reaches an email to anyone (DESIGN invariant 13,
 * API.md Notices 1.1): a stranger who fills "Cancel contracts here" or "Withdraw from contract here" with a phone
 * number, a link or a call to action cannot make Acme mail it to an account holder, whether the request opens a
 * case, cancels the contract, is refused as ineligible or names someone else's address for the confirmation.
 */
@SubdeskIntegrationTest
class PublicFormTextReachesNobodyElseIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Support support;

	@Autowired
	Accounts accounts;

	@Autowired
	dev.subdesk.intake.PublicCancellations cancellations;

	@Autowired
	dev.subdesk.intake.PublicWithdrawals withdrawals;

	private final String token = UUID.randomUUID().toString().substring(0, 8);

	private final String callNow = "CALL 555-0100 NOW " + token;

	private final String link = "https://acme-refund.example/" + token;

	private final String phoneName = "Call +1 555 0100 " + token;

	private final String payloadEmail = "call-555-0100-" + token + "@refund-desk.example";

	private final String reason = "Your refund is waiting: call 555-0100 or open " + link;

	@Test
	void cancellationRequestsThatMatchNoContractOpenCasesWhoseNoticesCarryNothingTyped() {
		Customer victim = customerWith("antivirus-annual");
		Customer ended = customerWith("vpn-annual");
		assertThat(fixtures.cancel(ended.subscription(), "IMMEDIATE").status()).isEqualTo(200);

		cancel(callNow, ordinary(victim.email(), victim.email()));
		cancel(link, ordinary(victim.email(), victim.email()));
		cancel(victim.orderNumber(), extraordinary(payloadEmail, payloadEmail));
		cancel(ended.orderNumber(), extraordinary(ended.email(), ended.email()));

		assertNothingTypedIn(victim.account());
		assertNothingTypedIn(ended.account());
		assertNoNoticeAnywhereCarriesThePayloads();
		assertThat(notices(victim.account())).filteredOn(n -> "CASE_UPDATE".equals(n.path("type").asString())).hasSize(3)
			.anySatisfy(n -> assertThat(n.path("subject").asString()).contains(victim.orderNumber()));
		assertThat(notices(ended.account())).filteredOn(n -> "CASE_UPDATE".equals(n.path("type").asString())).hasSize(1)
			.allSatisfy(n -> assertThat(n.path("subject").asString()).contains(ended.orderNumber()));
	}

	@Test
	void aCancellationThatEndsTheContractIsConfirmedInTheServersWordsEvenToAnotherPersonsAddress() {
		Customer victim = customerWith("antivirus-annual");
		Customer bystander = customerWith("vpn-annual");

		cancel(victim.orderNumber(), extraordinary(victim.email(), bystander.email()));

		assertNothingTypedIn(victim.account());
		assertNothingTypedIn(bystander.account());
		assertNoNoticeAnywhereCarriesThePayloads();
		List<JsonNode> notices = notices(victim.account());
		assertThat(notices).extracting(n -> n.path("type").asString())
			.contains("CANCELLATION_CONFIRMATION", "CANCELLATION_REQUEST_RECEIVED");
		JsonNode toConfirmationAddress = notices.stream()
			.filter(n -> "CANCELLATION_REQUEST_RECEIVED".equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow();
		assertThat(toConfirmationAddress.path("to").asString()).isEqualTo(bystander.email());
		assertThat(toConfirmationAddress.path("body").asString()).contains("Received: ")
			.contains("Type: extraordinary")
			.contains("order " + victim.orderNumber())
			.contains("Confirmation number: CXL-")
			.contains("The contract ends: ");
		assertThat(fixtures.subscription(victim.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void aWithdrawalIsAcknowledgedToTheAccountsOwnAddressAndRefusedOnesOpenCasesAllWithoutWhatWasTyped() {
		Customer victim = customerWith("antivirus-annual");
		String american = fixtures.account("US", "CA");
		fixtures.card(american, "tok_visa");
		String usOrder = fixtures.subscription(fixtures.subscribe(american, "antivirus-annual")).text("orderNumber");
		Customer withdrawn = customerWith("vpn-annual");

		withdraw(PortalWithdrawalIntegrationTests.form(phoneName, email(american), usOrder));
		withdraw(PortalWithdrawalIntegrationTests.form(phoneName, victim.email(), callNow));
		withdraw(PortalWithdrawalIntegrationTests.form(phoneName, victim.email(), link));
		withdraw(PortalWithdrawalIntegrationTests.form(phoneName, payloadEmail, victim.orderNumber()));
		withdraw(PortalWithdrawalIntegrationTests.form(phoneName, withdrawn.email().toUpperCase(), withdrawn.orderNumber()));

		assertNothingTypedIn(victim.account());
		assertNothingTypedIn(american);
		assertNothingTypedIn(withdrawn.account());
		assertNoNoticeAnywhereCarriesThePayloads();
		assertThat(fixtures.subscription(withdrawn.subscription()).text("status")).isEqualTo("CANCELLED");
		JsonNode acknowledgement = notices(withdrawn.account()).stream()
			.filter(n -> "WITHDRAWAL_ACKNOWLEDGEMENT".equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow();
		assertThat(acknowledgement.path("to").asString()).isEqualTo(withdrawn.email());
		assertThat(acknowledgement.path("body").asString()).contains("Withdrawal reference: WDR-")
			.contains("Received: ")
			.contains("order " + withdrawn.orderNumber());
		assertThat(notices(american)).filteredOn(n -> "CASE_UPDATE".equals(n.path("type").asString())).hasSize(1)
			.allSatisfy(n -> assertThat(n.path("subject").asString()).contains(usOrder));
		assertThat(notices(victim.account())).filteredOn(n -> "CASE_UPDATE".equals(n.path("type").asString())).hasSize(3);
	}

	@Test
	void aLinkToTheFormsFillsInAnOrderNumberButNoOtherText() {
		Customer c = customerWith("antivirus-annual");
		for (String form : List.of("/cancel", "/withdraw")) {
			PortalSession visitor = new PortalSession(port);
			String planted = visitor.get(form + "?order=" + java.net.URLEncoder.encode(callNow, StandardCharsets.UTF_8)).body();
			assertThat(planted).as(form).doesNotContain(token).contains("name=\"orderNumber\"");
			assertThat(visitor.get(form + "?order=" + c.orderNumber().toLowerCase()).body()).as(form)
				.contains("value=\"" + c.orderNumber().toLowerCase() + "\"");
		}
	}

	@Test
	void anAccountOpenedAtCheckoutForAnyAddressIsWelcomedInTheServersWordsOnly() {
		String victimEmail = "victim-" + token + "@example.com";
		PortalSession stranger = new PortalSession(port);
		stranger.get("/checkout/antivirus-annual");
		PortalSession.Page opened = stranger.post("/checkout/antivirus-annual/account",
				Map.of("email", victimEmail, "name", phoneName, "country", "DE", "region", ""));
		assertThat(opened.location()).as(opened.body()).endsWith("/portal/sign-in/code");
		assertThat(api.get("/accounts?email=" + victimEmail).json().path("data").size())
			.as("no account before the code proves the address").isZero();
		assertNoNoticeAnywhereCarriesThePayloads(); // the code to the address is in the server's words only

		// whoever has the code (the address's owner, who typed that name) opens the account: welcomed in our words
		stranger.get("/portal/sign-in/code");
		stranger.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCodeTo(api, victimEmail)));
		String account = api.get("/accounts?email=" + victimEmail).json().path("data").get(0).path("id").asString();

		assertNothingTypedIn(account);
		assertNoNoticeAnywhereCarriesThePayloads();
		JsonNode welcome = notices(account).stream()
			.filter(n -> "WELCOME".equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow();
		assertThat(welcome.path("to").asString()).isEqualTo(victimEmail);
		assertThat(welcome.path("body").asString()).startsWith("Hallo,\n\nIhr Acme-Konto ist eingerichtet.");
	}

	@Test
	void checkoutOpensNoAccountForAnAddressPastTheLimitOfItsCodes() {
		String email = "limited-" + token + "@example.com";
		PortalSession stranger = new PortalSession(port);
		stranger.get("/checkout/antivirus-annual");
		for (int i = 0; i < 3; i++) { // subdesk.portal.codes-per-email
			PortalSession.Page asked = stranger.post("/checkout/antivirus-annual/sign-in", Map.of("email", email));
			assertThat(asked.location()).as(asked.body()).endsWith("/portal/sign-in/code");
			stranger.get("/checkout/antivirus-annual");
		}

		PortalSession.Page refused = stranger.post("/checkout/antivirus-annual/account",
				Map.of("email", email, "name", phoneName, "country", "IE", "region", ""));

		assertThat(refused.status()).isEqualTo(429);
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).as("no account, so no welcome").isZero();
		assertNoNoticeAnywhereCarriesThePayloads();
	}

	@Test
	void aWithdrawalSentSignedInToAnotherAddressIsAcknowledgedThereWithoutTheTypedName() {
		Customer sender = customerWith("antivirus-annual");
		Customer own = customerWith("vpn-annual");
		String elsewhere = "someone-" + token + "@example.com";
		PortalSession session = new PortalSession(port).signIn(api, sender.account());
		session.get("/portal/subscriptions/" + sender.subscription() + "/withdraw");
		PortalSession.Page done = session.post("/portal/subscriptions/" + sender.subscription() + "/withdraw",
				Map.of("name", phoneName, "email", elsewhere));
		assertThat(done.location()).as(done.body()).matches(".*/portal/withdrawals/WDR-.{4}-.{4}$");
		PortalSession ownSession = new PortalSession(port).signIn(api, own.account());
		ownSession.get("/portal/subscriptions/" + own.subscription() + "/withdraw");
		ownSession.post("/portal/subscriptions/" + own.subscription() + "/withdraw",
				Map.of("name", "Owen Own", "email", own.email().toUpperCase()));

		JsonNode elsewhereAcknowledgement = acknowledgement(sender.account());
		assertThat(elsewhereAcknowledgement.path("to").asString()).isEqualTo(elsewhere);
		assertThat(elsewhereAcknowledgement.path("body").asString()).contains("order " + sender.orderNumber())
			.contains("Withdraw from contract here")
			.doesNotContain("Name: ");
		assertNothingTypedIn(sender.account());
		assertNoNoticeAnywhereCarriesThePayloads();
		assertThat(acknowledgement(own.account()).path("body").asString()).as("to the account's own address: all it sent")
			.contains("Name: Owen Own")
			.contains("Email: " + own.email().toUpperCase());
	}

	private JsonNode acknowledgement(String account) {
		return notices(account).stream()
			.filter(n -> "WITHDRAWAL_ACKNOWLEDGEMENT".equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow();
	}

	@Test
	void casesOpenedByTheFormsBeforeTheFixLoseTheTypedOrderNumberSoLaterNoticesCannotRepeatIt() throws Exception {
		Customer victim = customerWith("antivirus-annual");
		Account account = accounts.get(victim.account());
		String typed = support.open(account, "Cancellation request for order " + callNow + " needs checking", "WEB", null, null)
			.caseNumber();
		String own = support.open(account,
				"Withdrawal request for order " + victim.orderNumber().toLowerCase() + " needs checking", "WEB", null, null)
			.caseNumber();
		String byPhone = support.open(account, "Cancellation request for order ORD-PHON-E000 needs checking", "PHONE", null,
				null).caseNumber();

		jdbc.sql(new ClassPathResource("db/migration/V70__public_form_case_subjects.sql")
			.getContentAsString(StandardCharsets.UTF_8)).update();
		support.resolve(typed, "Checked: nothing to do", "agent");

		assertThat(support.find(typed).orElseThrow().subject()).isEqualTo("Cancellation request needs checking");
		assertThat(support.find(own).orElseThrow().subject())
			.isEqualTo("Withdrawal request for order " + victim.orderNumber() + " needs checking");
		assertThat(support.find(byPhone).orElseThrow().subject()).contains("ORD-PHON-E000");
		assertThat(notices(victim.account()).getFirst().path("body").asString()).contains("is resolved")
			.doesNotContain(callNow);
	}

	private List<String> payloads() {
		return List.of(callNow, link, phoneName, payloadEmail, reason, token);
	}

	private void assertNothingTypedIn(String account) {
		List<JsonNode> notices = notices(account);
		assertThat(notices).isNotEmpty();
		for (JsonNode notice : notices) {
			JsonNode body = notice.path("body");
			String text = (notice.path("subject").asString() + "\n" + (body.isString() ? body.asString() : "")).toLowerCase();
			for (String payload : payloads()) {
				assertThat(text).as("%s notice %s", notice.path("type").asString(), notice.path("subject").asString())
					.doesNotContain(payload.toLowerCase());
			}
		}
	}

	/** Whoever a notice went to, and whatever its type, the database holds none with the typed words. */
	private void assertNoNoticeAnywhereCarriesThePayloads() {
		assertThat(jdbc.sql("""
				SELECT count(*) FROM notices
				WHERE strpos(lower(subject), :token) > 0 OR strpos(lower(coalesce(body, '')), :token) > 0
				""").param("token", token.toLowerCase()).query(Long.class).single()).isZero();
	}

	@Test
	void anAddressWithANameOrASecondRecipientBesideItIsRefusedAndNothingIsSent() {
		Customer victim = customerWith("antivirus-annual");
		Customer bystander = customerWith("vpn-annual");
		// as a mail header each reads as the bystander's mailbox, under the stranger's words or beside another one
		List<String> headers = List.of(phoneName + " <" + bystander.email() + ">",
				"\"" + callNow + "\" <" + bystander.email() + ">", bystander.email() + ", " + payloadEmail,
				"Call-555-0100-" + token + "<" + bystander.email() + ">", bystander.email() + "," + payloadEmail,
				bystander.email() + " (" + callNow + ")");
		for (String header : headers) {
			for (Map<String, String> form : List.of(ordinary(victim.email(), header), ordinary(header, bystander.email()))) {
				Map<String, String> withOrder = new HashMap<>(form);
				withOrder.put("orderNumber", victim.orderNumber());
				PortalSession session = new PortalSession(port);
				session.get("/cancel");
				assertThat(session.post("/cancel", withOrder).status()).as(header).isEqualTo(400);
			}
			PortalSession session = new PortalSession(port);
			session.get("/withdraw");
			assertThat(session.post("/withdraw", PortalWithdrawalIntegrationTests.form(phoneName, header,
					victim.orderNumber())).status()).as(header).isEqualTo(400);
		}

		assertThat(jdbc.sql("""
				SELECT (SELECT count(*) FROM public_cancellation_requests WHERE name = :name)
				     + (SELECT count(*) FROM public_withdrawal_requests WHERE name = :name)""")
			.param("name", phoneName).query(Long.class).single()).as("no request was taken").isZero();
		assertThat(fixtures.subscription(victim.subscription()).text("status")).isEqualTo("ACTIVE");
		assertNoNoticeAnywhereCarriesThePayloads();
	}

	@Test
	void aStrangersLineBreaksWriteNoLinesOfTheirOwnIntoTheCaseAgentsRead() {
		Customer victim = customerWith("antivirus-annual");
		String bait = "bait-" + token + "@elsewhere.example";
		String forged = "A\nConfirmation to: " + bait + "\nVerified: yes";
		Map<String, String> cancellation = ordinary(victim.email(), victim.email());
		cancellation.put("name", forged);
		cancellation.put("orderNumber", "ORD-NONE-0000");
		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		assertThat(session.post("/cancel", cancellation).status()).as("a name of more than one line").isEqualTo(400);
		PortalSession other = new PortalSession(port);
		other.get("/withdraw");
		assertThat(other.post("/withdraw", PortalWithdrawalIntegrationTests.form(forged, victim.email(), "ORD-NONE-0000"))
			.status()).isEqualTo(400);
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :account")
			.param("account", victim.account()).query(Long.class).single()).as("nothing taken").isZero();

		// past the form (a reason may span lines; the domain keeps each typed field on its own line anyway)
		cancellations.submit(new dev.subdesk.intake.PublicCancellationRequest("EXTRAORDINARY",
				"moved\nConfirmation to: " + bait, forged, victim.email(), "ORD-NONE-0000\r\nEmail: " + bait, "IMMEDIATELY",
				victim.email()), java.util.Locale.ENGLISH);
		withdrawals.submit(new dev.subdesk.intake.PublicWithdrawalRequest(forged, victim.email(),
				victim.orderNumber() + "\u2028Email: " + bait), java.util.Locale.ENGLISH);
		List<String> details = jdbc.sql("SELECT detail FROM support_cases WHERE account_id = :account")
			.param("account", victim.account()).query(String.class).list();
		assertThat(details).hasSize(2).allSatisfy(detail -> {
			assertThat(detail.lines().filter(l -> l.startsWith("Confirmation to:") || l.startsWith("Email:")))
				.as(detail).allSatisfy(l -> assertThat(l).doesNotContain(bait));
			assertThat(detail.lines()).as(detail).noneMatch(l -> l.startsWith("Verified:"));
		});
	}

	private List<JsonNode> notices(String account) {
		return new ArrayList<>(api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values());
	}

	private Map<String, String> ordinary(String email, String confirmationEmail) {
		Map<String, String> form = new HashMap<>();
		form.put("kind", "ORDINARY");
		form.put("name", phoneName);
		form.put("email", email);
		form.put("timing", "IMMEDIATELY");
		form.put("confirmationEmail", confirmationEmail);
		return form;
	}

	private Map<String, String> extraordinary(String email, String confirmationEmail) {
		Map<String, String> form = ordinary(email, confirmationEmail);
		form.put("kind", "EXTRAORDINARY");
		form.put("reason", reason);
		return form;
	}

	private void cancel(String orderNumber, Map<String, String> form) {
		Map<String, String> withOrder = new HashMap<>(form);
		withOrder.put("orderNumber", orderNumber);
		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		PortalSession.Page posted = session.post("/cancel", withOrder);
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
	}

	private void withdraw(Map<String, String> form) {
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		PortalSession.Page posted = session.post("/withdraw", form);
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
	}
}
