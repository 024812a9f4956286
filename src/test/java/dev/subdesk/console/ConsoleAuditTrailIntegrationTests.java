package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Invariant 8: every action an agent takes on an account is in the audit trail with who, when, what and why; and
 * an action a rule refuses leaves a trace on the case opened for the call instead of an empty case.
 */
class ConsoleAuditTrailIntegrationTests extends ApiIntegrationTest {

	private static final Pattern OFFER = Pattern.compile("offers/(off_[0-9A-Z]+)/accept");

	private static final Pattern CASE = Pattern.compile("(CASE-[0-9A-Z]{6})");

	@Autowired
	AuditTrail audit;

	@Autowired
	Support support;

	@Autowired
	JdbcClient jdbc;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void anOfferIdTheSubscriptionHasNoOpenOfferForRecordsNoDeclinedOffer() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");

		assertThat(agent.post("/console/accounts/" + account + "/subscriptions/" + caller.subscription() + "/cancel",
				Map.of("mode", "END_OF_TERM", "reason", "TOO_EXPENSIVE", "offerId", "off_NOTSHOWN", "caseNumber",
						caseNumber)).status()).isEqualTo(302);

		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).contains("CANCEL")
			.as("no offer was shown, none declined").doesNotContain("OFFER_DECLINED");
	}

	/**
	 * A cancel naming an offer id when the subscription was never quoted makes no retention offer: none was shown (no
	 * OFFER_PRESENTED), and the term's one offer is not spent on it.
	 */
	@Test
	void aCancelWithAnOfferIdOnASubscriptionNeverQuotedMakesNoOffer() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");

		assertThat(agent.post("/console/accounts/" + account + "/subscriptions/" + caller.subscription() + "/cancel",
				Map.of("mode", "END_OF_TERM", "reason", "TOO_EXPENSIVE", "offerId",
						"off_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 20).toUpperCase(),
						"caseNumber", caseNumber)).status()).isEqualTo(302);

		assertThat(jdbc.sql("SELECT count(*) FROM offers WHERE subscription_id = :s")
			.param("s", caller.subscription()).query(Long.class).single()).as("no offer made").isZero();
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).contains("CANCEL")
			.doesNotContain("OFFER_PRESENTED", "OFFER_DECLINED");
	}

	/**
	 * Accepting an offer id that is not the subscription's open offer (here another customer's, on a subscription never
	 * quoted) is refused before anything is done: no offer is made or answered, nothing is audited or noted, and the
	 * renewal price stays.
	 */
	@Test
	void acceptingAnOfferIdThatIsNotTheSubscriptionsOpenOfferMakesAndAnswersNoOfferAndRecordsNothing() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		String othersOffer = api.post("/subscriptions/" + callers.withVpn("10115").subscription() + "/cancellation-quote",
				Map.of()).json().path("offer").path("id").asString();
		assertThat(othersOffer).startsWith("off_");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		long offers = jdbc.sql("SELECT count(*) FROM offers").query(Long.class).single();
		int audited = audit.about(account).size();
		int timeline = support.timeline(caseNumber).size();
		long price = api.get("/subscriptions/" + caller.subscription()).json().path("price").path("amount").asLong();

		ConsoleClient.Page refused = agent.post("/console/accounts/" + account + "/subscriptions/" + caller.subscription()
				+ "/offers/" + othersOffer + "/accept", Map.of("caseNumber", caseNumber));

		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		assertThat(refused.body()).contains("OFFER_NOT_AVAILABLE");
		assertThat(jdbc.sql("SELECT count(*) FROM offers").query(Long.class).single()).as("no offer made").isEqualTo(offers);
		assertThat(jdbc.sql("SELECT count(*) FROM offers WHERE subscription_id = :s")
			.param("s", caller.subscription()).query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", othersOffer).query(String.class)
			.single()).as("the other customer's offer is not answered").isEqualTo("OPEN");
		assertThat(audit.about(account)).as("nothing audited").hasSize(audited);
		assertThat(support.timeline(caseNumber)).as("nothing noted on the case").hasSize(timeline);
		assertThat(api.get("/subscriptions/" + caller.subscription()).json().path("price").path("amount").asLong())
			.isEqualTo(price);
	}

	/**
	 * Invariant 5: an offer is accepted only as the caller was read it. When its terms change between the quote the agent
	 * read out and the customer's yes (here the plan's retention percent, so its price), the acceptance is refused with
	 * OFFER_NOT_AVAILABLE and nothing is accepted: the offer stays open, the renewal price stays, no OFFER_ACCEPTED is
	 * audited or noted (only the refused attempt), and a new quote reads out the terms as they stand.
	 */
	@Test
	void anOfferWhoseTermsChangedBetweenTheQuoteAndTheCustomersYesIsRefusedAndNothingIsAccepted() {
		String plan = fixtures.plan("console-offer-terms", "P1Y", 1000);
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		String subscription = fixtures.subscribe(account, plan);
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + account + "/subscriptions/" + subscription;
		String quote = agent.post(base + "/quote", Map.of("caseNumber", caseNumber)).body();
		assertThat(quote).contains("costs $7.50 instead of $10.00 (25% off)");
		Matcher offer = OFFER.matcher(quote);
		assertThat(offer.find()).as("a retention offer on the quote").isTrue();
		// the terms change while the agent reads the offer out: the plan now offers 40% off
		var changed = api.patch("/plans/" + plan, Map.of("retentionOffer", Map.of("percentOff", 40)));
		assertThat(changed.status()).as(changed.toString()).isEqualTo(200);

		ConsoleClient.Page refused = agent.post(base + "/offers/" + offer.group(1) + "/accept",
				Map.of("caseNumber", caseNumber));

		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		assertThat(refused.body()).contains("OFFER_NOT_AVAILABLE", "terms changed since it was shown",
				"Nothing was done; the attempt is noted on case " + caseNumber);
		assertThat(jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", offer.group(1)).query(String.class)
			.single()).as("not accepted").isEqualTo("OPEN");
		assertThat(api.get("/subscriptions/" + subscription).json().path("price").path("amount").asLong())
			.as("no discount applied").isEqualTo(1000);
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).doesNotContain("OFFER_ACCEPTED");
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.noneMatch(text -> text.startsWith("OFFER_ACCEPTED: "))
			.anyMatch(text -> text.startsWith("OFFER_ACCEPTED not done: This offer's terms changed"));
		assertThat(agent.post(base + "/quote", Map.of("caseNumber", caseNumber)).body())
			.as("a new quote reads the offer out as it stands").contains("costs $6.00 instead of $10.00 (40% off)");
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	@Test
	void everyConsoleActionOnAnAccountIsAuditedWithWhoWhenWhatAndWhy() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		String antivirus = fixtures.subscribe(account, "antivirus-annual");
		String device = api.post("/accounts/" + account + "/devices", Map.of("name", "Laptop", "platform", "LINUX")).id();
		String spareCard = fixtures.card(account, "tok_mastercard");
		String visa = api.get("/accounts/" + account + "/payment-methods").json().path("data").values().stream()
			.filter(c -> !c.path("id").asString().equals(spareCard)).findFirst().orElseThrow().path("id").asString();
		String charge = callers.firstCharge(account).path("id").asString();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String base = "/console/accounts/" + account;
		Map<String, String> inCase;

		String caseNumber = Callers.verify(agent, caller, "10115");
		inCase = Map.of("caseNumber", caseNumber);
		agent.get(base + "?case=" + caseNumber);
		done(agent.post(base + "/subscriptions/" + caller.subscription() + "/auto-renew",
				Map.of("autoRenew", "false", "caseNumber", caseNumber)));
		String confirmation = callers.latestRelatedId(account, "CANCELLATION_CONFIRMATION");
		done(agent.post(base + "/subscriptions/" + caller.subscription() + "/auto-renew",
				Map.of("autoRenew", "true", "caseNumber", caseNumber)));
		done(agent.post(base + "/charges/" + charge + "/refund", Map.of("amount", "1.00", "caseNumber", caseNumber)));
		done(agent.post(base + "/devices/" + device + "/deactivate", inCase));
		done(agent.post(base + "/cancellations/" + confirmation + "/resend", inCase));
		assertThat(agent.get(base + "/cancellations/" + confirmation + "?case=" + caseNumber).status()).isEqualTo(200);
		String quote = agent.post(base + "/subscriptions/" + caller.subscription() + "/quote", inCase).body();
		Matcher offer = OFFER.matcher(quote);
		assertThat(offer.find()).as("a retention offer on the quote").isTrue();
		done(agent.post(base + "/subscriptions/" + caller.subscription() + "/offers/" + offer.group(1) + "/accept", inCase));
		Matcher declined = OFFER.matcher(agent.post(base + "/subscriptions/" + antivirus + "/quote", inCase).body());
		assertThat(declined.find()).isTrue();
		assertThat(agent.post(base + "/subscriptions/" + antivirus + "/cancel", Map.of("mode", "END_OF_TERM",
				"reason", "TOO_EXPENSIVE", "offerId", declined.group(1), "caseNumber", caseNumber)).status()).isEqualTo(302);
		String newEmail = dev.subdesk.testing.Fixtures.uniqueEmail();
		done(agent.post(base + "/step-up/send", Map.of("action", "CHANGE_EMAIL", "email", newEmail, "caseNumber", caseNumber)));
		done(agent.post(base + "/step-up/confirm", Map.of("code", callers.emailedCode(account), "caseNumber", caseNumber)));
		done(agent.post(base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber)));
		done(agent.post(base + "/email", Map.of("email", newEmail, "code", callers.codeSentTo(newEmail), "caseNumber",
				caseNumber)));
		callers.confirmCardRemoval(agent, caller, caseNumber, spareCard);
		done(agent.post(base + "/cards/" + spareCard + "/remove", inCase));
		callers.confirmCardRemoval(agent, caller, caseNumber, visa);
		assertThat(agent.post(base + "/cards/" + visa + "/remove", inCase).status()).isEqualTo(409);
		fixtures.advance("PT15M"); // three codes in 15 minutes at most; the caller's verification lasts 30
		callers.confirmRefund(agent, caller, caseNumber, charge, "2");
		done(agent.post(base + "/charges/" + charge + "/goodwill", Map.of("amount", "2", "reason", "Outage", "caseNumber",
				caseNumber)));
		callers.confirmRefund(agent, caller, caseNumber, charge, "3");
		done(agent.post(base + "/charges/" + charge + "/goodwill", Map.of("amount", "3", "reason", "Second outage",
				"caseNumber", caseNumber)));
		callers.confirmClosing(agent, caller, caseNumber); // used at the end of the call, once its case is reopened
		List<String> requests = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a ORDER BY seq")
			.param("a", account).query(String.class).list();
		done(supervisor.post("/console/approvals/" + requests.get(0) + "/approve", Map.of("note", "Known outage")));
		done(supervisor.post("/console/approvals/" + requests.get(1) + "/reject", Map.of("note", "Covered already")));
		String casePath = "/console/cases/" + caseNumber;
		supervisor.get(casePath);
		done(agent.post(casePath + "/escalate", Map.of("reason", "Wants a manager")));
		done(supervisor.post(casePath + "/assign", Map.of()));
		done(supervisor.post(casePath + "/pending", Map.of("note", "Sends a statement")));
		done(supervisor.post(casePath + "/reopen", Map.of("note", "Statement received")));
		done(supervisor.post(casePath + "/resolve", Map.of("note", "Refunded the outage")));

		List<String> actions = List.of("VERIFY_CALLER_OK", "VIEW_ACCOUNT", "AUTO_RENEW_OFF", "AUTO_RENEW_ON", "REFUND",
				"DEVICE_DEACTIVATED", "CONFIRMATION_RESENT", "VIEW_CANCELLATION", "QUOTE_CANCELLATION", "OFFER_PRESENTED", "OFFER_ACCEPTED",
				"OFFER_DECLINED", "CANCEL", "STEP_UP_CODE_SENT", "STEP_UP_CONFIRMED", "NEW_EMAIL_CODE_SENT",
				"NEW_EMAIL_CODE_CONFIRMED", "EMAIL_CHANGED", "CARD_REMOVED",
				AgentLog.REFUSED, "REFUND_APPROVAL_REQUESTED", "REFUND_APPROVED", "REFUND_REJECTED", "VIEW_CASE",
				"ESCALATE", "ASSIGN_CASE", "CASE_PENDING_CUSTOMER", "REOPEN_CASE", "RESOLVE_CASE");
		List<AuditTrail.Entry> entries = audit.about(account);
		for (String action : actions) {
			assertThat(entries).as(action).anySatisfy(e -> {
				assertThat(e.action()).isEqualTo(action);
				assertThat(e.actor()).isIn("agent", "supervisor");
				assertThat(e.channel()).isEqualTo("AGENT");
				assertThat(e.at()).isNotNull();
				assertThat(e.reason()).isNotBlank();
				assertThat(e.caseNumber()).as(action + " names the call's case").isEqualTo(caseNumber);
				if (!action.startsWith("VIEW_")) {
					assertThat(e.detail()).as(action + " says what").isNotBlank();
				}
			});
		}
		assertThat(entries).filteredOn(e -> e.action().equals("REFUND_APPROVED")).extracting(AuditTrail.Entry::actor)
			.containsExactly("supervisor");
		assertThat(audit.verify().intact()).isTrue();

		// Closing keeps who did what, when and on which case, and erases what was written (staff notes, reasons). The
		// call goes on on its case, reopened: a resolved case's verification no longer counts.
		done(supervisor.post(casePath + "/reopen", Map.of("note", "The caller asks to close the account")));
		done(agent.post(base + "/close", inCase));
		List<AuditTrail.Entry> afterClosing = audit.about(account);
		assertThat(afterClosing).anySatisfy(e -> {
			assertThat(e.action()).isEqualTo("ACCOUNT_CLOSED");
			assertThat(e.actor()).isEqualTo("agent");
			assertThat(e.caseNumber()).isEqualTo(caseNumber);
			assertThat(e.detail()).contains("personal data erased");
		});
		AuditTrail.Entry erasure = afterClosing.stream().filter(e -> e.action().equals(AuditTrail.ERASURE_ACTION))
			.findFirst().orElseThrow();
		assertThat(afterClosing).filteredOn(e -> e.id() < erasure.id()).hasSizeGreaterThanOrEqualTo(entries.size())
			.allSatisfy(e -> {
				assertThat(e.detail()).isNull();
				assertThat(e.reason()).isNull();
			});
		assertThat(afterClosing).extracting(AuditTrail.Entry::action).containsAll(actions);
		assertThat(audit.verify().intact()).as("the chain still verifies after the erasure").isTrue();
		assertThat(jdbc.sql("""
				SELECT count(*) FROM refunds WHERE account_id = :a AND reason LIKE '%Outage%'
				""").param("a", account).query(Long.class).single()).as("the approved refund keeps no typed reason").isZero();
		assertThat(jdbc.sql("SELECT reason FROM refunds WHERE account_id = :a").param("a", account).query(String.class)
			.list()).anySatisfy(reason -> assertThat(reason).isEqualTo(
					"Goodwill refund %s, approved by an Acme support supervisor".formatted(requests.get(0))));
		assertThat(jdbc.sql("""
				SELECT count(*) FROM domain_event WHERE account_id = :a AND data::text LIKE '%Outage%'
				""").param("a", account).query(Long.class).single()).as("nor its event").isZero();
		assertThat(actorsRecordedFor(account, caseNumber)).as("every actor the records name is a staff username")
			.isNotEmpty()
			.allSatisfy(actor -> assertThat(actor).isIn(staffUsernames()));
	}

	/**
	 * Who the console's records say acted on the account: audit entries, cancellations made by an agent, refund
	 * requests and decisions, the case's owner and the people on its timeline (the system's own steps aside).
	 */
	private List<String> actorsRecordedFor(String account, String caseNumber) {
		return jdbc.sql("""
				SELECT actor FROM audit_events WHERE target = :a AND actor <> 'system'
				UNION SELECT actor FROM cancellations WHERE account_id = :a AND channel = 'AGENT'
				UNION SELECT requested_by FROM refund_approvals WHERE account_id = :a
				UNION SELECT decided_by FROM refund_approvals WHERE account_id = :a AND decided_by IS NOT NULL
				UNION SELECT owner FROM support_cases WHERE case_number = :c AND owner IS NOT NULL
				UNION SELECT actor FROM case_events WHERE case_number = :c AND actor <> 'system'
				UNION SELECT agent FROM caller_verifications WHERE account_id = :a AND agent <> 'system'
				UNION SELECT agent FROM step_up_action_codes WHERE account_id = :a
				""").param("a", account).param("c", caseNumber).query(String.class).list();
	}

	private List<String> staffUsernames() {
		return jdbc.sql("SELECT username FROM staff_users").query(String.class).list();
	}

	@Test
	void anActionRefusedAfterACaseWasOpenedForItIsNotedOnThatCase() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String verifiedIn = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String card = api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		callers.confirmCardRemoval(agent, caller, verifiedIn, card);

		// A new call: no case given, so the action opens one; the card still pays for the VPN.
		ConsoleClient.Page refused = agent.post(base + "/cards/" + card + "/remove", Map.of());

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.body()).contains("PAYMENT_METHOD_IN_USE", "Nothing was done; the attempt is noted on case",
				"Back to the account");
		Matcher opened = CASE.matcher(refused.body());
		assertThat(opened.find()).isTrue();
		String caseNumber = opened.group(1);
		assertThat(caseNumber).isNotEqualTo(verifiedIn);
		assertThat(support.find(caseNumber).orElseThrow().accountId()).isEqualTo(caller.account());
		assertThat(support.timeline(caseNumber)).anySatisfy(t -> {
			assertThat(t.actor()).isEqualTo("agent");
			assertThat(t.text()).startsWith("CARD_REMOVED not done:").contains("(PAYMENT_METHOD_IN_USE)");
		});
		assertThat(agent.get("/console/cases/" + caseNumber).body()).contains("CARD_REMOVED not done:");
		assertThat(audit.about(caller.account())).anySatisfy(e -> {
			assertThat(e.action()).isEqualTo(AgentLog.REFUSED);
			assertThat(e.caseNumber()).isEqualTo(caseNumber);
			assertThat(e.detail()).contains("CARD_REMOVED", "PAYMENT_METHOD_IN_USE");
		});
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").size()).isOne();
	}

	/** The action was done: the console goes back to a page saying so, not to an error. */
	private static void done(ConsoleClient.Page page) {
		assertThat(page.status()).as(page.body()).isEqualTo(302);
	}
}
