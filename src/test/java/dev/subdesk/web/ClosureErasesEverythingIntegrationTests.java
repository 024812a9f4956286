package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * DESIGN.md invariant 14 (shared/API.md Accounts, 1.1): after an account is closed, nothing in the database names or
 * describes its customer. The test gives one customer a distinctive name, email and device name, uses every way the
 * product has of writing them down (the API with idempotency keys, the portal, both public forms, disputes, cases
 * with staff notes and the audit trail, sign-in codes, cancellation feedback), closes the account, and then reads
 * every text, JSON and byte column of every table in the schema looking for any of the three.
 */
@SubdeskIntegrationTest
class ClosureErasesEverythingIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Support support;

	@Autowired
	AuditTrail audit;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void afterClosingARichAccountNoColumnOfAnyTableHoldsTheNameTheEmailOrTheDeviceName() throws Exception {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String name = "Quillon Vexmara" + unique;
		String email = "Vexmara." + unique + "@Example.com";
		String deviceName = "Vexmara-Laptop-" + unique;
		String creationKey = "create-" + UUID.randomUUID();
		Map<String, Object> creation = Map.of("email", email, "name", name, "country", "IE");

		Reply created = call("POST", "/accounts", creation, creationKey);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		String account = Api.parse(created.body()).path("id").asString();
		assertThat(call("POST", "/accounts/" + account + "/payment-methods", Map.of("token", "tok_visa"),
				"card-" + unique).status()).isEqualTo(201);
		String antivirus = Api.parse(call("POST", "/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual"), "buy-" + unique).body()).path("id").asString();
		String utilities = fixtures.subscribe(account, "utilities-annual");
		String vpn = fixtures.subscribe(account, "vpn-annual");
		Reply device = call("POST", "/accounts/" + account + "/devices",
				Map.of("name", deviceName, "platform", "WINDOWS", "subscriptionId", antivirus), "device-" + unique);
		assertThat(device.status()).as(device.body()).isEqualTo(201);
		assertThat(device.body()).contains(deviceName);

		// Feedback typed when cancelling, a dispute's detail (API) and one from the portal, both opening cases.
		assertThat(call("POST", "/subscriptions/" + utilities + "/cancel", Map.of("mode", "END_OF_TERM", "reason",
				"TOO_EXPENSIVE", "feedback", name + " here, write to " + email + " about " + deviceName),
				"cancel-" + unique).status()).isEqualTo(200);
		String antivirusCharge = chargeOf(account, antivirus);
		Reply dispute = call("POST", "/charges/" + antivirusCharge + "/disputes", Map.of("reason", "UNRECOGNIZED",
				"detail", "I am " + name + " (" + email + ") and my " + deviceName + " was stolen"), "dispute-" + unique);
		assertThat(dispute.status()).as(dispute.body()).isEqualTo(200);
		String apiCase = Api.parse(dispute.body()).path("caseNumber").asString();
		PortalSession portal = new PortalSession(port).signIn(api, account);
		portal.post("/portal/charges/" + chargeOf(account, utilities) + "/dispute", Map.of("reason", "UNRECOGNIZED"));

		// Both public forms, naming the customer: an unmatched cancellation (a case for an agent) and a withdrawal.
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", name, "email", email, "orderNumber",
				"ORD-0000-0000", "timing", "EARLIEST", "confirmationEmail", email)), "/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form(name, email,
				fixtures.subscription(vpn).text("orderNumber")), "/withdraw/received/");
		// The order number field is free text: a customer may type their device's name there.
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Q", "email", email, "orderNumber",
				deviceName, "timing", "EARLIEST", "confirmationEmail", email)), "/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Q", email, deviceName), "/withdraw/received/");
		// ... and both about another customer's contract, with this customer's own name and email: filed under the
		// other account (its case's detail repeats them), so only the email says whose they are.
		String other = fixtures.accountWithVisa();
		String othersOrder = fixtures.subscription(fixtures.subscribe(other, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", name, "email", email, "orderNumber",
				othersOrder, "timing", "EARLIEST", "confirmationEmail", email)), "/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form(name, email, othersOrder), "/withdraw/received/");
		// ... and one that cancels that contract (sent with its holder's email), confirmed to this customer's address:
		// the confirmation is the other account's notice, addressed to this customer.
		String anotherOrder = fixtures.subscription(fixtures.subscribe(other, "antivirus-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Holder", "email",
				api.get("/accounts/" + other).text("email"), "orderNumber", anotherOrder, "timing", "IMMEDIATELY",
				"confirmationEmail", email)), "/cancel/received/");
		assertThat(api.get("/accounts/" + other + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_REQUEST_RECEIVED"))
			.map(n -> n.path("to").asString().toLowerCase(Locale.ROOT))).contains(email.toLowerCase(Locale.ROOT));
		// ... and a third customer's withdrawal in the portal, its acknowledgement sent to this customer's address:
		// the withdrawal is the third account's, only the address says whose it is.
		Customer third = customerWith("antivirus-annual");
		PortalSession thirds = new PortalSession(port).signIn(api, third.account());
		thirds.get("/portal/subscriptions/" + third.subscription() + "/withdraw");
		assertThat(thirds.post("/portal/subscriptions/" + third.subscription() + "/withdraw",
				Map.of("name", "Third", "email", email)).location()).contains("/portal/withdrawals/");

		// What staff write while helping the customer: a note, an escalation, and the audit entry of that work.
		support.note(apiCase, "agent", "Caller " + name + " confirmed the email " + email);
		support.escalate(apiCase, name + " insists the " + deviceName + " was stolen", "agent");
		audit.record("agent", "AGENT", "NOTE", account, "Talked to " + name + " <" + email + ">", apiCase, "case work");

		assertThat(hits(name, email, deviceName)).as("the data is there before closing").isNotEmpty();

		Reply closed = call("POST", "/accounts/" + account + "/close", Map.of(), "close-" + unique);
		assertThat(closed.status()).as(closed.body()).isEqualTo(200);

		assertThat(hits(name, email, deviceName)).as("columns still naming the customer after closing").isEmpty();
		assertThat(jdbc.sql("SELECT name FROM withdrawals WHERE account_id = :a").param("a", third.account())
			.query(String.class).single()).as("the third customer's withdrawal keeps its owner's name").isEqualTo("Third");
		assertThat(api.get("/accounts/" + account + "/devices").json().path("data").get(0).path("name").asString())
			.isEqualTo("Erased device");
		assertThat(audit.verify().intact()).as("the audit chain still verifies after the erasure").isTrue();

		// The creation replayed with its key runs nothing again and says nothing about the person.
		Reply replay = call("POST", "/accounts", creation, creationKey);
		assertThat(replay.replayed()).isTrue();
		assertThat(replay.status()).isEqualTo(409);
		assertThat(Api.parse(replay.body()).path("code").asString()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(replay.body().toLowerCase(Locale.ROOT)).doesNotContain(email.toLowerCase(Locale.ROOT))
			.doesNotContain(name.toLowerCase(Locale.ROOT));
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).as("no account re-created").isZero();
		Reply closeAgain = call("POST", "/accounts/" + account + "/close", Map.of(), "close-" + unique);
		assertThat(closeAgain.replayed()).isTrue();
		assertThat(closeAgain.body()).isEqualTo(closed.body());
	}

	/**
	 * A customer who sent the public forms about another customer's contract with their address, then changed the
	 * account's email and closed the account: what was typed with the old address (filed under the other account, its
	 * case's detail, the confirmation sent to it) is erased with the closure too. The account keeps only a hash of the
	 * addresses it had, and not after the closure.
	 */
	@Test
	void closingErasesWhatWasTypedWithAnAddressTheAccountHadBefore(@Autowired dev.subdesk.accounts.Accounts accounts)
			throws Exception {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String oldEmail = "Oldmara." + unique + "@Example.com";
		String account = api.post("/accounts", Map.of("email", oldEmail, "name", "Renamed " + unique, "country", "IE"))
			.text("id");
		String other = fixtures.accountWithVisa();
		String othersOrder = fixtures.subscription(fixtures.subscribe(other, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Q " + unique, "email", oldEmail,
				"orderNumber", othersOrder, "timing", "EARLIEST", "confirmationEmail", oldEmail)), "/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Q " + unique, oldEmail, othersOrder),
				"/withdraw/received/");
		String anotherOrder = fixtures.subscription(fixtures.subscribe(other, "antivirus-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Holder", "email",
				api.get("/accounts/" + other).text("email"), "orderNumber", anotherOrder, "timing", "IMMEDIATELY",
				"confirmationEmail", oldEmail)), "/cancel/received/");
		assertThat(hits(oldEmail)).as("typed with the old address").isNotEmpty();

		accounts.changeEmail(account, "newmara." + unique + "@example.com");
		assertThat(hits(oldEmail)).as("the account keeps no clear copy of its old address").allMatch(hit ->
				!hit.startsWith("account_previous_emails"));
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		assertThat(hits(oldEmail)).as("columns still holding the old address after closing").isEmpty();
		assertThat(jdbc.sql("SELECT count(*) FROM account_previous_emails WHERE account_id = :a").param("a", account)
			.query(Long.class).single()).isZero();
	}

	/**
	 * An address the closing account gave up is free for anyone else: what its next holder typed with it, after the
	 * change, is theirs and stays. A customer changes the account's email; someone else then opens an account with the
	 * old address, cancels their own contract with the public form (confirmation to that address) and sends both forms
	 * about a relative's contract with it. Closing the first account leaves those requests, the confirmation's recipient
	 * and the detail of the case opened on the relative's account as they were.
	 */
	@Test
	void closingDoesNotEraseWhatTheNextHolderOfAnOldAddressTypedWithIt(
			@Autowired dev.subdesk.accounts.Accounts accounts) {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String oldEmail = "Handedon." + unique + "@Example.com";
		String first = api.post("/accounts", Map.of("email", oldEmail, "name", "First " + unique, "country", "IE"))
			.text("id");
		accounts.changeEmail(first, "moved." + unique + "@example.com");
		fixtures.advance(java.time.Duration.ofSeconds(1));

		String next = api.post("/accounts", Map.of("email", oldEmail.toLowerCase(Locale.ROOT), "name",
				"Next " + unique, "country", "IE")).text("id");
		fixtures.card(next, "tok_visa");
		String own = fixtures.subscription(fixtures.subscribe(next, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Next " + unique, "email", oldEmail,
				"orderNumber", own, "timing", "EARLIEST", "confirmationEmail", oldEmail)), "/cancel/received/");
		String relative = fixtures.accountWithVisa();
		String relatives = fixtures.subscription(fixtures.subscribe(relative, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Next " + unique, "email", oldEmail,
				"orderNumber", relatives, "timing", "EARLIEST", "confirmationEmail", oldEmail)), "/cancel/received/");
		String relativesOther = fixtures.subscription(fixtures.subscribe(relative, "antivirus-annual"))
			.text("orderNumber");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Next " + unique, oldEmail, relativesOther),
				"/withdraw/received/");

		String requests = """
				SELECT name, email, confirmation_email, order_number, case_number FROM public_cancellation_requests
				WHERE order_number IN (:orders) ORDER BY order_number""";
		List<Map<String, Object>> cancellations = jdbc.sql(requests).param("orders", List.of(own, relatives))
			.query().listOfRows();
		assertThat(cancellations).hasSize(2).allSatisfy(row -> assertThat(row.get("email")).isEqualTo(oldEmail));
		String withdrawals = "SELECT name, email, order_number FROM public_withdrawal_requests WHERE order_number = :o";
		Map<String, Object> withdrawal = jdbc.sql(withdrawals).param("o", relativesOther).query().singleRow();
		assertThat(withdrawal.get("email")).isEqualTo(oldEmail);
		String details = "SELECT detail FROM support_cases WHERE account_id = :a AND channel = 'WEB' ORDER BY case_number";
		List<String> cases = jdbc.sql(details).param("a", relative).query(String.class).list();
		assertThat(cases).isNotEmpty().allSatisfy(detail -> assertThat(detail).containsIgnoringCase(oldEmail));
		String confirmations = """
				SELECT recipient FROM notices WHERE account_id = :a AND type = 'CANCELLATION_REQUEST_RECEIVED'""";
		List<String> recipients = jdbc.sql(confirmations).param("a", next).query(String.class).list();
		assertThat(recipients).isNotEmpty().allSatisfy(to -> assertThat(to).isEqualToIgnoringCase(oldEmail));

		assertThat(api.post("/accounts/" + first + "/close", Map.of()).status()).isEqualTo(200);

		assertThat(jdbc.sql(requests).param("orders", List.of(own, relatives)).query().listOfRows())
			.as("the next holder's cancellation requests").isEqualTo(cancellations);
		assertThat(jdbc.sql(withdrawals).param("o", relativesOther).query().singleRow())
			.as("the next holder's withdrawal request").isEqualTo(withdrawal);
		assertThat(jdbc.sql(details).param("a", relative).query(String.class).list())
			.as("the detail of the case the next holder's request opened").isEqualTo(cases);
		assertThat(jdbc.sql(confirmations).param("a", next).query(String.class).list())
			.as("the next holder's confirmation").isEqualTo(recipients);
	}

	/**
	 * The closing account's own address may have had an earlier holder: what that holder's customer typed with it while
	 * they held it is theirs and stays; only what was typed with it since the closing account took it goes. A customer
	 * cancels their own contract and sends both forms about a relative's contract with their address, then changes the
	 * account's email; another account takes the address and sends a form with it; that account is closed.
	 */
	@Test
	void closingErasesWhatWasTypedWithItsAddressOnlySinceTheAccountHadIt(
			@Autowired dev.subdesk.accounts.Accounts accounts) {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String address = "Passedon." + unique + "@Example.com";
		String earlier = api.post("/accounts", Map.of("email", address, "name", "Earlier " + unique, "country", "IE"))
			.text("id");
		fixtures.card(earlier, "tok_visa");
		String own = fixtures.subscription(fixtures.subscribe(earlier, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Earlier " + unique, "email", address,
				"orderNumber", own, "timing", "EARLIEST", "confirmationEmail", address)), "/cancel/received/");
		String relative = fixtures.accountWithVisa();
		String relatives = fixtures.subscription(fixtures.subscribe(relative, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Earlier " + unique, "email", address,
				"orderNumber", relatives, "timing", "EARLIEST", "confirmationEmail", address)), "/cancel/received/");
		String relativesOther = fixtures.subscription(fixtures.subscribe(relative, "antivirus-annual"))
			.text("orderNumber");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Earlier " + unique, address, relativesOther),
				"/withdraw/received/");
		String relativesThird = fixtures.subscription(fixtures.subscribe(relative, "utilities-annual"))
			.text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Holder", "email",
				api.get("/accounts/" + relative).text("email"), "orderNumber", relativesThird, "timing", "IMMEDIATELY",
				"confirmationEmail", address)), "/cancel/received/");
		accounts.changeEmail(earlier, "moved." + unique + "@example.com");
		fixtures.advance(java.time.Duration.ofSeconds(1));

		String later = api.post("/accounts", Map.of("email", address.toLowerCase(Locale.ROOT), "name",
				"Later " + unique, "country", "IE")).text("id");
		String stranger = fixtures.accountWithVisa();
		String strangers = fixtures.subscription(fixtures.subscribe(stranger, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Later " + unique, "email", address,
				"orderNumber", strangers, "timing", "EARLIEST", "confirmationEmail", address)), "/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Later " + unique, address, strangers),
				"/withdraw/received/");

		String requests = """
				SELECT name, email, confirmation_email, order_number, case_number FROM public_cancellation_requests
				WHERE order_number IN (:orders) ORDER BY order_number""";
		List<Map<String, Object>> earliers = jdbc.sql(requests).param("orders", List.of(own, relatives)).query()
			.listOfRows();
		assertThat(earliers).hasSize(2).allSatisfy(row -> assertThat(row.get("email")).isEqualTo(address));
		String withdrawals = "SELECT name, email, order_number FROM public_withdrawal_requests WHERE order_number = :o";
		Map<String, Object> withdrawal = jdbc.sql(withdrawals).param("o", relativesOther).query().singleRow();
		assertThat(withdrawal.get("email")).isEqualTo(address);
		String details = "SELECT detail FROM support_cases WHERE account_id = :a AND channel = 'WEB' ORDER BY case_number";
		List<String> cases = jdbc.sql(details).param("a", relative).query(String.class).list();
		assertThat(cases).isNotEmpty().allSatisfy(detail -> assertThat(detail).containsIgnoringCase(address));
		String confirmations = """
				SELECT recipient FROM notices WHERE account_id IN (:a) AND type = 'CANCELLATION_REQUEST_RECEIVED'
				ORDER BY recipient""";
		List<String> recipients = jdbc.sql(confirmations).param("a", List.of(earlier, relative)).query(String.class)
			.list();
		assertThat(recipients).hasSizeGreaterThanOrEqualTo(2)
			.allSatisfy(to -> assertThat(to).isEqualToIgnoringCase(address));

		assertThat(api.post("/accounts/" + later + "/close", Map.of()).status()).isEqualTo(200);

		assertThat(jdbc.sql(requests).param("orders", List.of(own, relatives)).query().listOfRows())
			.as("the earlier holder's cancellation requests").isEqualTo(earliers);
		assertThat(jdbc.sql(withdrawals).param("o", relativesOther).query().singleRow())
			.as("the earlier holder's withdrawal request").isEqualTo(withdrawal);
		assertThat(jdbc.sql(details).param("a", relative).query(String.class).list())
			.as("the detail of the cases the earlier holder's requests opened").isEqualTo(cases);
		assertThat(jdbc.sql(confirmations).param("a", List.of(earlier, relative)).query(String.class).list())
			.as("the confirmations sent to the earlier holder").isEqualTo(recipients);
		String tombstone = "erased+" + later + "@invalid";
		assertThat(jdbc.sql("SELECT email FROM public_cancellation_requests WHERE order_number = :o")
			.param("o", strangers).query(String.class).list()).as("the closing account's own request")
			.containsExactly(tombstone);
		assertThat(jdbc.sql("SELECT email FROM public_withdrawal_requests WHERE order_number = :o")
			.param("o", strangers).query(String.class).list()).as("the closing account's own request")
			.containsExactly(tombstone);
		assertThat(jdbc.sql(details).param("a", stranger).query(String.class).list())
			.as("the detail of the case the closing account's request opened")
			.allSatisfy(detail -> assertThat(detail).doesNotContainIgnoringCase(address));
	}

	/**
	 * An address may pass back and forth: each account's customer's traces of it are those of the times it held it. A
	 * sends a form with the address, gives it up; B takes it, sends a form, gives it up; A takes it back and sends
	 * another. Closing A erases A's two and leaves B's; closing B then erases B's.
	 */
	@Test
	void anAddressPassedBackAndForthIsErasedFromEachHoldersTimesOnly(
			@Autowired dev.subdesk.accounts.Accounts accounts) {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String address = "Bounced." + unique + "@example.com";
		String a = api.post("/accounts", Map.of("email", address, "name", "A " + unique, "country", "IE")).text("id");
		String b = api.post("/accounts", Map.of("email", "b." + unique + "@example.com", "name", "B " + unique,
				"country", "IE")).text("id");
		String relative = fixtures.accountWithVisa();
		java.util.function.Function<String, String> sent = plan -> {
			String order = fixtures.subscription(fixtures.subscribe(relative, plan)).text("orderNumber");
			publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Sender " + unique, address, order),
					"/withdraw/received/");
			return order;
		};
		String firstOfA = sent.apply("vpn-annual");
		accounts.changeEmail(a, "a2." + unique + "@example.com");
		fixtures.advance(java.time.Duration.ofSeconds(1));
		accounts.changeEmail(b, address);
		String ofB = sent.apply("antivirus-annual");
		accounts.changeEmail(b, "b2." + unique + "@example.com");
		fixtures.advance(java.time.Duration.ofSeconds(1));
		accounts.changeEmail(a, address.toUpperCase(Locale.ROOT));
		String secondOfA = sent.apply("utilities-annual");
		String email = "SELECT email FROM public_withdrawal_requests WHERE order_number = :o";

		assertThat(api.post("/accounts/" + a + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(jdbc.sql(email).param("o", firstOfA).query(String.class).single()).as("A's first")
			.isEqualTo("erased+" + a + "@invalid");
		assertThat(jdbc.sql(email).param("o", secondOfA).query(String.class).single()).as("A's second")
			.isEqualTo("erased+" + a + "@invalid");
		assertThat(jdbc.sql(email).param("o", ofB).query(String.class).single()).as("B's, typed between")
			.isEqualTo(address);

		assertThat(api.post("/accounts/" + b + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(jdbc.sql(email).param("o", ofB).query(String.class).single()).as("B's, once B is closed")
			.isEqualTo("erased+" + b + "@invalid");
	}

	/**
	 * Instants are whole seconds: in the second an address passed from one account to another, what was typed with it
	 * counts as the leaving account's, never as both. (The hand-over in one second is set up in the database: the test
	 * clock only moves forward, so it cannot put the change, the opening and the request in the same second.)
	 */
	@Test
	void theSecondOfAHandOverIsTheLeavingAccounts(@Autowired dev.subdesk.accounts.Accounts accounts) {
		String unique = UUID.randomUUID().toString().substring(0, 8);
		String address = "Handover." + unique + "@example.com";
		String leaving = api.post("/accounts", Map.of("email", address, "name", "L " + unique, "country", "IE"))
			.text("id");
		accounts.changeEmail(leaving, "l2." + unique + "@example.com");
		fixtures.advance(java.time.Duration.ofSeconds(1));
		String taking = api.post("/accounts", Map.of("email", address, "name", "T " + unique, "country", "IE"))
			.text("id");
		String relative = fixtures.accountWithVisa();
		String order = fixtures.subscription(fixtures.subscribe(relative, "vpn-annual")).text("orderNumber");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Sender " + unique, address, order),
				"/withdraw/received/");
		// the leaving account gave the address up in the second the taking account was opened and the request sent
		String typedAt = "(SELECT received_at FROM public_withdrawal_requests WHERE order_number = :o)";
		assertThat(jdbc.sql("UPDATE account_previous_emails SET held_until = " + typedAt + " WHERE account_id = :a")
			.param("o", order).param("a", leaving).update()).isOne();
		assertThat(jdbc.sql("UPDATE accounts SET created_at = " + typedAt + " WHERE id = :a")
			.param("o", order).param("a", taking).update()).isOne();
		String email = "SELECT email FROM public_withdrawal_requests WHERE order_number = :o";

		assertThat(api.post("/accounts/" + taking + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(jdbc.sql(email).param("o", order).query(String.class).single())
			.as("typed in the hand-over's second: not the taking account's").isEqualTo(address);
		assertThat(api.post("/accounts/" + leaving + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(jdbc.sql(email).param("o", order).query(String.class).single())
			.as("typed in the hand-over's second: the leaving account's").isEqualTo("erased+" + leaving + "@invalid");
	}

	/** Every column of every table in the schema that holds the name, the email or the device name (any case). */
	private List<String> hits(String... needles) {
		List<Map<String, Object>> columns = jdbc.sql("""
				SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
				JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
				WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
				  AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')
				ORDER BY c.table_name, c.column_name
				""").query().listOfRows();
		assertThat(columns).extracting(c -> c.get("table_name"))
			.contains("accounts", "devices", "idempotency_keys", "support_cases", "case_events", "audit_events",
					"cancellations", "public_cancellation_requests", "public_withdrawal_requests", "portal_sign_in_codes");
		List<String> found = new ArrayList<>();
		for (Map<String, Object> column : columns) {
			String table = (String) column.get("table_name");
			String name = (String) column.get("column_name");
			String text = switch ((String) column.get("data_type")) {
				case "bytea" -> "encode(\"%s\", 'escape')".formatted(name);
				default -> "CAST(\"%s\" AS text)".formatted(name);
			};
			for (String needle : needles) {
				long rows = jdbc.sql("SELECT count(*) FROM \"%s\" WHERE strpos(lower(%s), lower(:needle)) > 0"
					.formatted(table, text)).param("needle", needle).query(Long.class).single();
				if (rows > 0) {
					found.add(table + "." + name + " holds " + needle + " (" + rows + " rows)");
				}
			}
		}
		return found;
	}

	private String chargeOf(String account, String subscription) {
		for (JsonNode charge : api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values()) {
			if (subscription.equals(charge.path("subscriptionId").asString())) {
				return charge.path("id").asString();
			}
		}
		throw new AssertionError("no charge of " + subscription);
	}

	private void publicForm(String path, Map<String, String> form, String resultPrefix) {
		PortalSession session = new PortalSession(port);
		session.get(path);
		assertThat(session.post(path, form).location()).contains(resultPrefix);
	}

	record Reply(int status, String body, boolean replayed) {
	}

	private Reply call(String method, String path, Object body, String idempotencyKey) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1" + path))
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", idempotencyKey)
			.method(method, HttpRequest.BodyPublishers.ofString(new tools.jackson.databind.json.JsonMapper()
				.writeValueAsString(body)))
			.build();
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body(),
				"true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)));
	}
}
