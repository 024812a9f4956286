package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.intake.PublicFormLimits;
import dev.subdesk.intake.PublicRequestRetention;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a stranger typed into a public form that matched no account is erased after 90 days, and not before.
 */
@SubdeskIntegrationTest
class PublicRequestRetentionIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	PublicRequestRetention retention;

	/**
	 * The limits' record of the public forms (client addresses, email hashes) is kept a day, as RETENTION.md says,
	 * by a scheduled job: not only when someone sends a form again.
	 */
	@Test
	void theLimitsRecordOfThePublicFormsIsDeletedAfterADayByAScheduledJob(
			@Autowired org.springframework.scheduling.config.ScheduledTaskHolder scheduled) {
		String old = Fixtures.uniqueEmail();
		String recent = Fixtures.uniqueEmail();
		for (String email : List.of(old, recent)) {
			PortalSession browser = new PortalSession(port);
			browser.get("/cancel");
			assertThat(browser.post("/cancel", Map.of("kind", "ORDINARY", "name", "Someone", "email", email, "orderNumber",
					"ORD-0000-0000", "timing", "IMMEDIATELY", "confirmationEmail", email)).status()).isEqualTo(302);
		}
		jdbc.sql("UPDATE public_form_sends SET sent_at = :at WHERE email_hash = :hash")
			.param("at", java.sql.Timestamp.from(clock.instant().minus(Duration.ofDays(1)).minusSeconds(60)))
			.param("hash", PublicFormLimits.hash(jdbc, old))
			.update();
		org.springframework.scheduling.config.ScheduledTask job = scheduled.getScheduledTasks()
			.stream()
			.filter(t -> t.getTask().toString().contains("PublicFormLimits"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no scheduled job of PublicFormLimits among " + scheduled.getScheduledTasks()));

		job.getTask().getRunnable().run();

		assertThat(sends(old)).as("more than a day old").isZero();
		assertThat(sends(recent)).as("inside the day").isEqualTo(1);
	}

	private long sends(String email) {
		return jdbc.sql("SELECT count(*) FROM public_form_sends WHERE email_hash = :hash")
			.param("hash", PublicFormLimits.hash(jdbc, email)).query(Long.class).single();
	}

	@Test
	void whatWasTypedIntoAnUnmatchedRequestIsErasedAfterNinetyDaysAndNotBefore() {
		String email = Fixtures.uniqueEmail();
		String name = "Unmatched " + email.substring(0, email.indexOf('@'));
		PortalSession cancelling = new PortalSession(port);
		cancelling.get("/cancel");
		assertThat(cancelling.post("/cancel", Map.of("kind", "ORDINARY", "name", name, "email", email, "orderNumber",
				"ORD-0000-0000", "timing", "IMMEDIATELY", "confirmationEmail", email, "reason", "typed by " + name))
			.status()).isEqualTo(302);
		PortalSession withdrawing = new PortalSession(port);
		withdrawing.get("/withdraw");
		withdrawing.post("/withdraw", PortalWithdrawalIntegrationTests.form(name, email, "ORD-0000-0000"));
		String typedAsOrder = "Call 555-0100 " + email.substring(0, 8);
		PortalSession planting = new PortalSession(port);
		planting.get("/withdraw");
		planting.post("/withdraw", PortalWithdrawalIntegrationTests.form("Someone", "someone@example.com", typedAsOrder));
		assertThat(traces(name, email)).as("both forms kept what was typed").isEqualTo(2);
		assertThat(typedAsOrders(typedAsOrder)).isEqualTo(1);

		retention.erase(clock.instant().plus(Duration.ofDays(89)));
		assertThat(traces(name, email)).as("kept for 90 days").isEqualTo(2);

		retention.erase(clock.instant().plus(Duration.ofDays(91)));
		assertThat(traces(name, email)).as("erased after 90 days").isZero();
		assertThat(typedAsOrders(typedAsOrder)).as("text typed as an order number too").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE order_number = 'ORD-0000-0000' "
				+ "AND name = 'Erased' AND confirmation_email = 'erased@invalid' AND reason IS NULL")
			.query(Long.class)
			.single()).as("the request itself stays").isPositive();
	}

	/**
	 * A stranger who types a customer's order number with their own name and email has the request filed under the
	 * customer's account, and a case opened there whose detail repeats what the stranger typed: neither is erased
	 * when that customer's account closes, so both are erased after 90 days like any stranger's request.
	 */
	@Test
	void whatAStrangerTypedAboutAnotherCustomersContractIsErasedAfterNinetyDaysWithTheCaseDetail() {
		Customer victim = customerWith("antivirus-annual");
		String stranger = Fixtures.uniqueEmail();
		String name = "Stranger " + stranger.substring(0, stranger.indexOf('@'));
		PortalSession cancelling = new PortalSession(port);
		cancelling.get("/cancel");
		assertThat(cancelling.post("/cancel", Map.of("kind", "EXTRAORDINARY", "name", name, "email", stranger,
				"orderNumber", victim.orderNumber(), "timing", "IMMEDIATELY", "confirmationEmail", stranger, "reason",
				"typed by " + name)).status()).isEqualTo(302);
		PortalSession withdrawing = new PortalSession(port);
		withdrawing.get("/withdraw");
		assertThat(withdrawing.post("/withdraw", PortalWithdrawalIntegrationTests.form(name, stranger, victim.orderNumber()))
			.status()).isEqualTo(302);
		// the owner's own request, which the form cannot act on (another order number): kept until the account closes
		PortalSession owners = new PortalSession(port);
		owners.get("/withdraw");
		owners.post("/withdraw", PortalWithdrawalIntegrationTests.form("Owner", victim.email(), "ORD-0000-0097"));
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE account_id = :account")
			.param("account", victim.account()).query(Long.class).single()).as("filed under the customer's account")
			.isEqualTo(1);
		assertThat(traces(name, stranger)).isEqualTo(2);
		assertThat(caseTraces(victim.account(), stranger)).as("the cases opened repeat what was typed").isEqualTo(2);

		fixtures.advance("P91D");
		retention.erase(clock.instant());

		assertThat(traces(name, stranger)).as("what the stranger typed, after 90 days").isZero();
		assertThat(caseTraces(victim.account(), stranger)).as("the cases' detail, after 90 days").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM public_withdrawal_requests WHERE account_id = :account AND owners "
				+ "AND lower(email) = lower(:email)")
			.param("account", victim.account()).param("email", victim.email()).query(Long.class).single())
			.as("the owner's own request is kept until the account closes").isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :account AND detail LIKE '%Owner%'")
			.param("account", victim.account()).query(Long.class).single()).as("and the detail of its case").isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :account")
			.param("account", victim.account()).query(Long.class).single()).as("the cases themselves stay").isEqualTo(3);
	}

	/**
	 * Typing the account's email proves nothing: whoever knows it and an order number (both in the customer's mail)
	 * can have the owner's contract cancelled with the confirmation sent to any address. That address is not the
	 * owner's, so it is erased after 90 days like a stranger's, from the request and from the confirmation notice
	 * filed under the owner's account; the rest of the owner's request (name, reason, their email) stays.
	 */
	@Test
	void aThirdPartyConfirmationAddressOfTheOwnersRequestIsErasedAfterNinetyDaysFromTheRequestAndItsNotice() {
		Customer owner = customerWith("antivirus-annual");
		String third = Fixtures.uniqueEmail();
		String request = sendOwnersRequest(owner, "Third.Party+" + third);

		assertThat(confirmation(request)).isEqualTo("Third.Party+" + third);
		assertThat(confirmationRecipients(owner.account())).containsExactly("Third.Party+" + third);

		retention.erase(clock.instant().plus(Duration.ofDays(91)));

		Map<String, Object> row = requestRow(request);
		assertThat(row.get("confirmation_email")).as("the third party's address, after 90 days")
			.isEqualTo("erased@invalid");
		assertThat(row.get("email")).as("the owner's email typed").isEqualTo(owner.email());
		assertThat(row.get("name")).as("the owner's name typed").isEqualTo("Owner " + owner.account());
		assertThat(row.get("reason")).as("the owner's reason").isEqualTo("Moving abroad " + owner.account());
		assertThat(row.get("confirmation_number")).as("the request itself").isNotNull();
		assertThat(confirmationRecipients(owner.account())).as("the confirmation notice's recipient")
			.containsExactly("erased@invalid");
		assertThat(jdbc.sql("""
				SELECT count(*) FROM notices WHERE strpos(lower(recipient), lower(:third)) > 0""")
			.param("third", third).query(Long.class).single()).as("no notice keeps the address").isZero();
		assertThat(api.get("/accounts/" + owner.account() + "/notices?limit=50").json().path("data").values()
			.stream().filter(n -> n.path("type").asString().equals("CANCELLATION_REQUEST_RECEIVED"))
			.map(n -> n.path("subject").asString()).toList()).as("the notice stays in the owner's list").hasSize(1);
	}

	/**
	 * The owner's own address as the confirmation's (in another letter case), or the address the account has now, is
	 * the owner's: kept until the account closes.
	 */
	@Test
	void theOwnersOwnConfirmationAddressIsKeptAfterNinetyDays(@Autowired dev.subdesk.accounts.Accounts accounts) {
		Customer owner = customerWith("antivirus-annual");
		String own = sendOwnersRequest(owner, owner.email().toUpperCase(java.util.Locale.ROOT));
		Customer moving = customerWith("antivirus-annual");
		String next = "Next." + Fixtures.uniqueEmail();
		String toNext = sendOwnersRequest(moving, next);
		accounts.changeEmail(moving.account(), next.toLowerCase(java.util.Locale.ROOT));

		retention.erase(clock.instant().plus(Duration.ofDays(91)));

		assertThat(confirmation(own)).as("the owner's own address").isEqualTo(owner.email().toUpperCase(java.util.Locale.ROOT));
		assertThat(confirmationRecipients(owner.account())).containsExactly(owner.email().toUpperCase(java.util.Locale.ROOT));
		assertThat(confirmation(toNext)).as("the address the account has now").isEqualTo(next);
		assertThat(confirmationRecipients(moving.account())).containsExactly(next);
	}

	@Test
	void aThirdPartyConfirmationAddressIsKeptWithinNinetyDays() {
		Customer owner = customerWith("antivirus-annual");
		String third = Fixtures.uniqueEmail();
		String request = sendOwnersRequest(owner, third);

		retention.erase(clock.instant().plus(Duration.ofDays(89)));

		assertThat(confirmation(request)).isEqualTo(third);
		assertThat(confirmationRecipients(owner.account())).containsExactly(third);
	}

	/**
	 * The owner's own request that the form cannot act on (an order number that is not theirs) opens a case on their
	 * account whose detail repeats what was typed, the confirmation address too. When that address, being neither the
	 * owner's email typed nor the account's, is erased from the request after 90 days, the case's detail loses it in
	 * the same transaction; the rest the owner typed stays until the account closes.
	 */
	@Test
	void aThirdPartyConfirmationAddressIsErasedFromTheDetailOfTheCaseTheOwnersRequestOpenedAfterNinetyDays() {
		Customer owner = customerWith("antivirus-annual");
		String third = "Third.Party+" + Fixtures.uniqueEmail();
		String request = sendOwnersUnmatchedRequest(owner, third);
		String caseNumber = (String) requestRow(request).get("case_number");
		assertThat(caseNumber).as("the request opened a case on the owner's account").isNotNull();
		assertThat(caseDetail(caseNumber)).as("the case repeats the confirmation address")
			.contains("Confirmation to: " + third);

		retention.erase(clock.instant().plus(Duration.ofDays(89)));
		assertThat(caseDetail(caseNumber)).as("kept within 90 days").contains("Confirmation to: " + third);

		fixtures.advance("P91D");
		retention.erase(clock.instant());

		assertThat(confirmation(request)).as("erased from the request").isEqualTo("erased@invalid");
		String detail = caseDetail(caseNumber);
		assertThat(detail).as("the case detail, after 90 days").doesNotContainIgnoringCase(third)
			.contains("Confirmation to: (address erased after 90 days)")
			.contains("Name: Owner " + owner.account())
			.contains("Email: " + owner.email());
		assertThat(caseTraces(owner.account(), third)).as("no case of the account keeps the address").isZero();
	}

	/**
	 * The last release erased such addresses from the requests but not from the cases' detail, and a request whose
	 * address is erased already is never looked at again: the migration neutralizes the line of those cases once.
	 */
	@Test
	void theMigrationErasesTheConfirmationAddressLeftInTheDetailOfCasesWhoseRequestLostIt() throws Exception {
		Customer owner = customerWith("antivirus-annual");
		String third = Fixtures.uniqueEmail();
		String erased = sendOwnersUnmatchedRequest(owner, third);
		Customer other = customerWith("antivirus-annual");
		String kept = sendOwnersUnmatchedRequest(other, other.email());
		// as the last release left it: the request's address erased, the case's detail not
		jdbc.sql("UPDATE public_cancellation_requests SET confirmation_email = 'erased@invalid' WHERE id = :id")
			.param("id", erased).update();

		jdbc.sql(new org.springframework.core.io.ClassPathResource(
				"db/migration/V560__case_detail_erased_confirmation_addresses.sql")
			.getContentAsString(java.nio.charset.StandardCharsets.UTF_8)).update();

		assertThat(caseDetail((String) requestRow(erased).get("case_number"))).doesNotContainIgnoringCase(third)
			.contains("Confirmation to: (address erased after 90 days)")
			.contains("Email: " + owner.email());
		assertThat(caseDetail((String) requestRow(kept).get("case_number"))).as("an address still kept")
			.contains("Confirmation to: " + other.email());
	}

	/**
	 * The public form sent with the owner's email and an order number that is not theirs, confirmation to
	 * {@code confirmationEmail}: nothing to act on, so a case for an agent on the owner's account.
	 */
	private String sendOwnersUnmatchedRequest(Customer owner, String confirmationEmail) {
		PortalSession cancelling = new PortalSession(port);
		cancelling.get("/cancel");
		PortalSession.Page sent = cancelling.post("/cancel", Map.of("kind", "ORDINARY", "name",
				"Owner " + owner.account(), "email", owner.email(), "orderNumber", "ORD-0000-0097", "timing",
				"IMMEDIATELY", "confirmationEmail", confirmationEmail));
		assertThat(sent.status()).as(sent.body()).isEqualTo(302);
		String id = sent.location().substring(sent.location().lastIndexOf('/') + 1);
		assertThat(requestRow(id).get("confirmation_number")).as("nothing cancelled").isNull();
		return id;
	}

	private String caseDetail(String caseNumber) {
		return jdbc.sql("SELECT detail FROM support_cases WHERE case_number = :number")
			.param("number", caseNumber).query(String.class).single();
	}

	/** The public form sent with the owner's email about their contract, confirmation to {@code confirmationEmail}. */
	private String sendOwnersRequest(Customer owner, String confirmationEmail) {
		PortalSession cancelling = new PortalSession(port);
		cancelling.get("/cancel");
		PortalSession.Page sent = cancelling.post("/cancel", Map.of("kind", "EXTRAORDINARY", "name",
				"Owner " + owner.account(), "email", owner.email(), "orderNumber", owner.orderNumber(), "timing",
				"EARLIEST", "confirmationEmail", confirmationEmail, "reason", "Moving abroad " + owner.account()));
		assertThat(sent.status()).as(sent.body()).isEqualTo(302);
		assertThat(sent.location()).contains("/cancel/received/");
		String id = sent.location().substring(sent.location().lastIndexOf('/') + 1);
		assertThat(requestRow(id).get("confirmation_number")).as("the form cancelled the owner's contract").isNotNull();
		return id;
	}

	private Map<String, Object> requestRow(String id) {
		return jdbc.sql("""
				SELECT name, email, confirmation_email, reason, confirmation_number, owners, case_number
				FROM public_cancellation_requests WHERE id = :id""").param("id", id).query().singleRow();
	}

	private String confirmation(String id) {
		return (String) requestRow(id).get("confirmation_email");
	}

	private List<String> confirmationRecipients(String account) {
		return jdbc.sql("""
				SELECT recipient FROM notices WHERE account_id = :account AND type = 'CANCELLATION_REQUEST_RECEIVED'""")
			.param("account", account).query(String.class).list();
	}

	private long caseTraces(String account, String email) {
		return jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :account AND strpos(lower(detail), lower(:email)) > 0")
			.param("account", account).param("email", email).query(Long.class).single();
	}

	private long typedAsOrders(String typed) {
		return jdbc.sql("SELECT count(*) FROM public_withdrawal_requests WHERE order_number = :typed")
			.param("typed", typed)
			.query(Long.class)
			.single();
	}

	private long traces(String name, String email) {
		return jdbc.sql("""
				SELECT (SELECT count(*) FROM public_cancellation_requests
				        WHERE name = :name OR lower(email) = lower(:email) OR lower(confirmation_email) = lower(:email)
				           OR reason LIKE '%' || :name || '%')
				     + (SELECT count(*) FROM public_withdrawal_requests WHERE name = :name OR lower(email) = lower(:email))""")
			.param("name", name)
			.param("email", email)
			.query(Long.class)
			.single();
	}
}
