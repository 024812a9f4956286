package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A sign-in code goes to the customer's mailbox only: the API lists the notice without its text, so API access is
 * no way into a customer's portal account, and the event log (which feeds the webhooks) never holds it. Without a
 * mail server every notice is STORED.
 */
@SubdeskIntegrationTest
class OneTimeCodesStayOutOfTheApiIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient database;

	@Test
	void theApiListsTheSignInCodeNoticeWithoutItsTextAndOnlyTheEmailedCodeSignsIn() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).requestCode(c.email());
		String code = PortalSession.latestCode(api, c.account()); // from the customer's mailbox

		String listed = api.get("/accounts/" + c.account() + "/notices?limit=50").raw();
		List<JsonNode> notices = api.get("/accounts/" + c.account() + "/notices?limit=50").json().path("data").values()
			.stream().toList();

		assertThat(notices).filteredOn(n -> "SIGN_IN_CODE".equals(n.path("type").asString()))
			.singleElement()
			.satisfies(n -> assertThat(n.path("body").isNull()).as(n.toString()).isTrue());
		assertThat(notices).filteredOn(n -> !"SIGN_IN_CODE".equals(n.path("type").asString()))
			.isNotEmpty()
			.allSatisfy(n -> assertThat(n.path("body").asString()).contains("How to cancel"));
		assertThat(notices).allSatisfy(n -> {
			assertThat(n.path("deliveryStatus").asString()).isEqualTo("STORED");
			assertThat(n.path("deliveryError").isNull()).isTrue();
		});
		assertThat(listed).doesNotContain(code);
		assertThat(session.post("/portal/sign-in/code", Map.of("code", code)).location()).endsWith("/portal");
	}

	@Test
	void theSignInCodeStaysOutOfTheEventLog() {
		Customer c = customerWith("antivirus-monthly");
		long before = database.sql("SELECT coalesce(max(position), 0) FROM domain_event").query(Long.class).single();

		new PortalSession(port).requestCode(c.email());
		String code = PortalSession.latestCode(api, c.account()); // from the customer's mailbox

		assertThat(database.sql("SELECT data::text FROM domain_event WHERE position > :before AND account_id = :account")
			.param("before", before)
			.param("account", c.account())
			.query(String.class)
			.list()).noneMatch(data -> data.contains(code));
	}
}
