package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** "Cancel contracts here" at the HTTP level: what it cancels, what it refuses, and what it never reveals. */
@SubdeskIntegrationTest
class PortalPublicCancellationIntegrationTests extends PortalTestSupport {

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@Test
	void aRequestMatchingNoContractGetsTheSameWordingAndACaseForAnAgent() {
		Customer c = customerWith("antivirus-annual");

		PortalSession.Page wrongEmail = submit(form(c.orderNumber(), "someone-else@example.com", "ORDINARY", "EARLIEST"));
		PortalSession.Page unknownOrder = submit(form("ORD-0000-0000", "nobody@example.com", "ORDINARY", "EARLIEST"));

		for (PortalSession.Page page : List.of(wrongEmail, unknownOrder)) {
			assertThat(page.status()).isEqualTo(200);
			assertThat(page.body()).contains("We have received your cancellation")
				.doesNotContain("not found")
				.doesNotContain("does not exist");
		}
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isTrue();
		assertThat(noticeTypes(c.account())).contains("CASE_UPDATE").doesNotContain("CANCELLATION_CONFIRMATION");
	}

	@Test
	void theResultOfAnUnmatchedRequestHasExactlyTheWordingOfAMatchedOne() {
		Customer c = customerWith("antivirus-annual");
		Map<String, String> matchedForm = form(c.orderNumber(), c.email(), "ORDINARY", "EARLIEST");
		Map<String, String> unmatchedForm = form("ORD-ZZZZ-ZZZZ", "nobody-" + c.account() + "@example.com", "ORDINARY",
				"EARLIEST");

		String matched = submit(matchedForm).body();
		String unmatched = submit(unmatchedForm).body();

		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(withoutData(unmatched, unmatchedForm)).isEqualTo(withoutData(matched, matchedForm));
	}

	/** The page with what the customer typed, the time of receipt and the page's own id taken out. */
	static String withoutData(String page, Map<String, String> typed) {
		String main = page.substring(page.indexOf("<main"), page.indexOf("</main>"));
		for (String value : typed.values()) {
			main = main.replace(value, "TYPED");
		}
		return main.replaceAll("<dd id=\"received-at\">[^<]*</dd>", "RECEIVED")
			.replaceAll("/received/[0-9a-f-]{36}", "/received/ID");
	}

	@Test
	void anExtraordinaryCancellationNeedsAReasonAndEndsTheContractAtOnce() {
		Customer c = customerWith("antivirus-monthly");

		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		PortalSession.Page missingReason = session.post("/cancel", form(c.orderNumber(), c.email(), "EXTRAORDINARY", "EARLIEST"));
		assertThat(missingReason.status()).isEqualTo(400);
		assertThat(missingReason.body()).contains("Give a reason for the extraordinary cancellation.");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("ACTIVE");

		Map<String, String> withReason = form(c.orderNumber(), c.email(), "EXTRAORDINARY", "EARLIEST");
		withReason.put("reason", "The service stopped working");
		PortalSession.Page done = submit(withReason);

		assertThat(done.body()).contains("The service stopped working");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void theResultCanBeDownloadedAsTextWithTheTimeOfReceipt() {
		Customer c = customerWith("vpn-annual");
		PortalSession session = new PortalSession(port);
		session.get("/cancel?order=" + c.orderNumber());
		PortalSession.Page posted = session.post("/cancel", form(c.orderNumber(), c.email(), "ORDINARY", "EARLIEST"));
		assertThat(posted.location()).contains("/cancel/received/");

		PortalSession.Page text = session.get(receivedPath(posted) + "/text");

		assertThat(text.status()).isEqualTo(200);
		assertThat(text.body()).contains("Received on: ").contains("UTC").contains(c.orderNumber());
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isFalse();
	}

	@Test
	void anAddOnCancelledWhileItsBaseIsEndingIsToldItsOwnEnd() {
		Customer c = customerWith("antivirus-annual");
		String addOn = fixtures.addOn(c.account(), "vpn-addon-monthly", c.subscription());
		fixtures.cancel(c.subscription(), "END_OF_TERM"); // the base ends in a year; the monthly add-on at its month's end
		String addOnOrder = fixtures.subscription(addOn).text("orderNumber");
		java.time.Instant addOnEnd = java.time.Instant.parse(fixtures.subscription(addOn).text("cancelAt"));

		submit(form(addOnOrder, c.email(), "ORDINARY", "EARLIEST"));

		java.time.Instant told = jdbc.sql("SELECT effective_at FROM public_cancellation_requests WHERE order_number = :o")
			.param("o", addOnOrder)
			.query(java.sql.Timestamp.class)
			.single()
			.toInstant();
		assertThat(told).as("the add-on's end, not the base's a year later").isEqualTo(addOnEnd);
	}

	/**
	 * "Cancel now" clicked twice: the second request waited for the first, then found the contract ended. It is
	 * confirmed as the cancellation the first one made (its number and end), and opens no case for an agent.
	 */
	@Test
	void cancellingNowTwiceIsConfirmedAsTheOneCancellationAndOpensNoCase() {
		Customer c = customerWith("antivirus-annual");
		Map<String, String> form = form(c.orderNumber(), c.email(), "ORDINARY", "IMMEDIATELY");
		PortalSession first = new PortalSession(port);
		first.get("/cancel");
		PortalSession second = new PortalSession(port);
		second.get("/cancel");

		assertThat(first.post("/cancel", form).status()).isEqualTo(302);
		assertThat(second.post("/cancel", form).status()).isEqualTo(302);

		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(noticeTypes(c.account())).as("no case for an agent").doesNotContain("CASE_UPDATE")
			.filteredOn("CANCELLATION_REQUEST_RECEIVED"::equals).hasSize(2);
		assertThat(jdbc.sql("SELECT coalesce(confirmation_number, 'none') FROM public_cancellation_requests WHERE order_number = :o")
			.param("o", c.orderNumber()).query(String.class).list()).hasSize(2).doesNotContain("none").containsOnly(
					jdbc.sql("SELECT confirmation_number FROM cancellations WHERE subscription_id = :s")
						.param("s", c.subscription()).query(String.class).single());
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to) AND account_id IS NULL")
			.param("to", c.email()).query(Long.class).single()).as("no 'nothing was cancelled' confirmation").isZero();
	}

	private PortalSession.Page submit(Map<String, String> form) {
		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		PortalSession.Page posted = session.post("/cancel", form);
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
		return session.get(receivedPath(posted));
	}

	private static String receivedPath(PortalSession.Page posted) {
		return posted.location().substring(posted.location().indexOf("/cancel/received/"));
	}

	private static Map<String, String> form(String order, String email, String kind, String timing) {
		Map<String, String> form = new HashMap<>();
		form.put("kind", kind);
		form.put("name", "Test Customer");
		form.put("email", email);
		form.put("orderNumber", order);
		form.put("timing", timing);
		form.put("confirmationEmail", email);
		return form;
	}
}
