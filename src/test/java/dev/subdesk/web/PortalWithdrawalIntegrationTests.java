package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * "Withdraw from contract here" (EU, R-EU-5..8) at the HTTP level: the public form and the portal end the
 * contract at once with a full refund and a withdrawal acknowledgement, separate from cancellation; what is not
 * eligible gets the same wording and a case; a second withdrawal creates nothing.
 */
@SubdeskIntegrationTest
class PortalWithdrawalIntegrationTests extends PortalTestSupport {

	@Test
	void thePublicFormEndsTheContractAndItsAddOnsAtOnceWithEverythingRefundedAndAnAcknowledgement() {
		Customer c = customerWith("antivirus-annual");
		String addOn = fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		String device = api.post("/accounts/" + c.account() + "/devices",
				Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", c.subscription())).id();
		fixtures.advance("P10D");

		PortalSession.Page page = submit(form("Erika Mustermann", c.email().toUpperCase(), c.orderNumber()));

		assertThat(page.body()).contains("We have received your withdrawal").contains("Erika Mustermann")
			.contains(c.orderNumber());
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("CANCELLED");
		assertThat(api.get("/accounts/" + c.account() + "/devices").json().path("data").values().stream()
			.filter(d -> device.equals(d.path("id").asString()))
			.map(d -> d.path("status").asString())).containsExactly("DEACTIVATED");
		List<JsonNode> charges = charges(c.account());
		assertThat(charges).hasSize(2).allSatisfy(ch -> {
			assertThat(ch.path("status").asString()).isEqualTo("REFUNDED");
			assertThat(ch.path("refundedAmount").asLong()).isEqualTo(ch.path("amount").asLong());
		});
		assertThat(noticeTypes(c.account())).contains("WITHDRAWAL_ACKNOWLEDGEMENT").doesNotContain("CANCELLATION_CONFIRMATION");
		String body = notice(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT").path("body").asString();
		assertThat(body).contains("Withdrawal reference: WDR-").contains("Received: ").contains(c.orderNumber())
			.contains("$89.98").contains("not a cancellation").doesNotContain("Erika Mustermann");
	}

	@Test
	void withTheUkSwitchOffACustomerInTheUkHasNoWithdrawalAndNoCoolingOffNotice() {
		String british = fixtures.account("GB", null);
		fixtures.card(british, "tok_visa");
		String subscription = fixtures.subscribe(british, "vpn-annual");
		String order = fixtures.subscription(subscription).text("orderNumber");
		assertThat(notice(british, "ORDER_CONFIRMATION").path("body").asString()).doesNotContain("withdraw");
		fixtures.advance("P1D");
		submit(form("Harriet Example", email(british), order));
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("ACTIVE");
		assertThat(noticeTypes(british)).doesNotContain("WITHDRAWAL_ACKNOWLEDGEMENT");
	}

	/**
	 * A contract is withdrawn from once: the same withdrawal sent again ends, refunds and records nothing new, and opens
	 * no case, but it is acknowledged too (every withdrawal sent is), to the account's address, naming the withdrawal
	 * that stands and repeating nothing typed.
	 */
	@Test
	void aSecondWithdrawalOfTheSameContractCreatesNothingNewAndIsAcknowledgedWithTheFirstOnesReference() {
		Customer c = customerWith("vpn-annual");
		submit(form("Ann", c.email(), c.orderNumber()));
		int notices = noticeTypes(c.account()).size();
		String reference = notice(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT").path("relatedId").asString();

		submit(form("Ann Typed-Again", c.email(), c.orderNumber()));
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		assertThat(session.get("/portal").body()).doesNotContain("/portal/subscriptions/" + c.subscription() + "/withdraw");
		assertThat(noticeTypes(c.account()).stream().filter("WITHDRAWAL_ACKNOWLEDGEMENT"::equals)).hasSize(2);
		assertThat(noticeTypes(c.account()).stream().filter("REFUND_ISSUED"::equals)).hasSize(1);
		assertThat(noticeTypes(c.account())).hasSize(notices + 2); // the acknowledgement and the sign-in code
		assertThat(noticeTypes(c.account())).doesNotContain("CASE_UPDATE");
		JsonNode again = notice(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT"); // the newest first
		assertThat(again.path("to").asString()).isEqualTo(c.email());
		assertThat(again.path("subject").asString()).contains(reference);
		assertThat(again.path("body").asString()).contains(reference).contains("already withdrawn")
			.doesNotContain("Typed-Again");
	}

	@Test
	void whatCannotBeWithdrawnGetsTheSameWordingChangesNothingAndOpensACase() {
		String american = fixtures.account("US", "CA");
		fixtures.card(american, "tok_visa");
		String usSubscription = fixtures.subscribe(american, "antivirus-annual");
		String usOrder = fixtures.subscription(usSubscription).text("orderNumber");
		Customer late = customerWith("antivirus-annual");
		fixtures.advance("P15D");
		Customer recent = customerWith("antivirus-annual");
		Map<String, String> matchedForm = form("Test Customer", recent.email(), recent.orderNumber());
		String matched = submit(matchedForm).body();

		Map<String, String> usForm = form("Test Customer", email(american), usOrder);
		Map<String, String> lateForm = form("Test Customer", late.email(), late.orderNumber());
		Map<String, String> wrongEmail = form("Test Customer", "someone-else@example.com", late.orderNumber());
		Map<String, String> unknown = form("Test Customer", "nobody@example.com", "ORD-0000-0000");
		for (Map<String, String> refused : List.of(usForm, lateForm, wrongEmail, unknown)) {
			String page = submit(refused).body();
			assertThat(PortalPublicCancellationIntegrationTests.withoutData(page, refused))
				.isEqualTo(PortalPublicCancellationIntegrationTests.withoutData(matched, matchedForm));
		}

		assertThat(fixtures.subscription(usSubscription).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(late.subscription()).text("status")).isEqualTo("ACTIVE");
		assertThat(charges(late.account()).get(0).path("refundedAmount").asLong()).isZero();
		assertThat(noticeTypes(american)).contains("CASE_UPDATE").doesNotContain("WITHDRAWAL_ACKNOWLEDGEMENT");
		assertThat(noticeTypes(late.account())).contains("CASE_UPDATE").doesNotContain("WITHDRAWAL_ACKNOWLEDGEMENT");
		assertThat(fixtures.subscription(recent.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void aFormWithAFieldMissingIsShownAgainWithTheErrorAndChangesNothing() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port);
		session.get("/withdraw?order=" + c.orderNumber());

		PortalSession.Page page = session.post("/withdraw", form(" ", "not-an-email", c.orderNumber()));

		assertThat(page.status()).isEqualTo(400);
		assertThat(page.body()).contains("Enter your name.").contains("Enter an email address for the acknowledgement.")
			.contains("value=\"" + c.orderNumber() + "\"");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("ACTIVE");
		assertThat(noticeTypes(c.account())).doesNotContain("WITHDRAWAL_ACKNOWLEDGEMENT", "CASE_UPDATE");
	}

	@Test
	void inThePortalOnlyAnEligibleContractOffersItAndTheWithdrawalShowsItsOwnReferenceAndTheFullRefund() {
		Customer c = customerWith("antivirus-annual");
		String store = api.post("/subscriptions", Map.of("accountId", c.account(), "planCode", "vpn-annual", "channel",
				"APP_STORE")).id();
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		String list = session.get("/portal").body();
		assertThat(list).contains("/portal/subscriptions/" + c.subscription() + "/withdraw")
			.doesNotContain("/portal/subscriptions/" + store + "/withdraw");
		assertThat(session.get("/portal/subscriptions/" + store + "/withdraw").location()).endsWith("/portal");

		PortalSession.Page form = session.get("/portal/subscriptions/" + c.subscription() + "/withdraw");
		assertThat(form.body()).contains("Confirm withdrawal").contains("$59.99").contains(c.orderNumber());
		PortalSession.Page done = session.post("/portal/subscriptions/" + c.subscription() + "/withdraw",
				Map.of("name", "Test Customer", "email", c.email()));
		assertThat(done.location()).matches(".*/portal/withdrawals/WDR-.{4}-.{4}$");
		String reference = done.location().substring(done.location().lastIndexOf('/') + 1);
		PortalSession.Page shown = session.get("/portal/withdrawals/" + reference);

		assertThat(shown.body()).contains("Withdrawal received").contains(reference).contains("$59.99");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		JsonNode charge = charges(c.account()).get(0);
		assertThat(charge.path("refundedAmount").asLong()).isEqualTo(5999);
		assertThat(notice(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT").path("relatedId").asString()).isEqualTo(reference);
		assertThat(session.get("/portal").body()).doesNotContain("/portal/subscriptions/" + c.subscription() + "/withdraw");
		String body = notice(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT").path("body").asString();
		String number = body.replaceAll("(?s).*Record of the ending: (CXL-.{4}-.{4}).*", "$1");
		JsonNode cancellation = api.get("/cancellations/" + number).json();
		assertThat(cancellation.path("mode").asString()).isEqualTo("IMMEDIATE");
		assertThat(cancellation.path("channel").asString()).isEqualTo("PORTAL");
		assertThat(cancellation.path("refundTotal").path("amount").asLong()).isEqualTo(5999);
	}

	@Test
	void aCustomerOutsideTheEuIsNotOfferedIt() {
		String american = fixtures.account("US", "NY");
		fixtures.card(american, "tok_visa");
		String subscription = fixtures.subscribe(american, "antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, american);

		assertThat(session.get("/portal").body()).doesNotContain("/portal/subscriptions/" + subscription + "/withdraw");
		assertThat(session.get("/portal/subscriptions/" + subscription + "/withdraw").location()).endsWith("/portal");
		session.get("/portal");
		PortalSession.Page refused = session.post("/portal/subscriptions/" + subscription + "/withdraw",
				Map.of("name", "Test Customer", "email", email(american)));
		assertThat(refused.status()).isEqualTo(409);
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void anotherCustomersContractOrWithdrawalIsNotFoundAndFormsWithoutCsrfAreRefused() {
		Customer mine = customerWith("antivirus-annual");
		Customer theirs = customerWith("antivirus-annual");
		PortalSession them = new PortalSession(port).signIn(api, theirs.account());
		them.get("/portal/subscriptions/" + theirs.subscription() + "/withdraw");
		String theirReference = them.post("/portal/subscriptions/" + theirs.subscription() + "/withdraw",
				Map.of("name", "Them", "email", theirs.email())).location().replaceAll(".*/", "");
		Customer theirOther = new Customer(theirs.account(), theirs.email(), fixtures.subscribe(theirs.account(), "vpn-annual"), "");
		PortalSession session = new PortalSession(port).signIn(api, mine.account());

		assertThat(session.get("/portal/subscriptions/" + theirOther.subscription() + "/withdraw").status()).isEqualTo(404);
		assertThat(session.get("/portal/withdrawals/" + theirReference).status()).isEqualTo(404);
		session.get("/portal");
		assertThat(session.post("/portal/subscriptions/" + theirOther.subscription() + "/withdraw",
				Map.of("name", "Me", "email", mine.email())).status()).isEqualTo(404);
		assertThat(session.postWithoutToken("/portal/subscriptions/" + mine.subscription() + "/withdraw",
				Map.of("name", "Me", "email", mine.email())).status()).isEqualTo(403);
		assertThat(new PortalSession(port).get("/withdraw/received/" + java.util.UUID.randomUUID()).status()).isEqualTo(404);
		assertThat(session.get("/portal/withdrawals/WDR-0000-0000").status()).isEqualTo(404);
		assertThat(new PortalSession(port).postWithoutToken("/withdraw",
				form("Me", mine.email(), mine.orderNumber())).status()).isEqualTo(403);

		assertThat(fixtures.subscription(theirOther.subscription()).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(mine.subscription()).text("status")).isEqualTo("ACTIVE");
	}

	private PortalSession.Page submit(Map<String, String> form) {
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		PortalSession.Page posted = session.post("/withdraw", form);
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
		return session.get(posted.location().substring(posted.location().indexOf("/withdraw/received/")));
	}

	private List<JsonNode> charges(String account) {
		return api.get("/accounts/" + account + "/charges?limit=50").json().path("data").values().stream().toList();
	}

	private JsonNode notice(String account, String type) {
		return api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream()
			.filter(n -> type.equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + type + " notice"));
	}

	static Map<String, String> form(String name, String email, String order) {
		Map<String, String> form = new HashMap<>();
		form.put("name", name);
		form.put("email", email);
		form.put("orderNumber", order);
		return form;
	}
}
