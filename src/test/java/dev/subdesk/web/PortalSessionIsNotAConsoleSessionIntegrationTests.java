package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A customer signed in to the portal with the emailed one-time code reaches no page of the agent console: every
 * one of them is refused (403) or sends them to the console's sign-in, and none shows data. Nor can they act
 * there with their session and its form token: each console form they post is refused the same way, and nothing
 * changed (no staff account made, disabled or given a password; no case, email change, cancellation or closure).
 * Nor is a staff member's console session a customer's session in the portal.
 */
@SubdeskIntegrationTest
class PortalSessionIsNotAConsoleSessionIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Test
	void aSignedInCustomerCannotOpenOrPostToAnyConsolePage() {
		Customer c = customerWith("vpn-annual");
		Customer other = customerWith("antivirus-annual");
		PortalSession customer = new PortalSession(port).signIn(api, c.account());
		assertThat(customer.get("/portal").status()).isEqualTo(200);

		for (String path : new String[] { "/console", "/console?q=" + other.email(), "/console/accounts/" + other.account(),
				"/console/accounts/" + c.account(), "/console/cases/CASE-000000", "/console/queue",
				"/console/audit?target=" + other.account(), "/console/reports", "/console/staff" }) {
			PortalSession.Page page = customer.get(path);
			assertThat(page.status()).as(path).isIn(302, 403);
			if (page.status() == 302) {
				assertThat(page.location()).as(path).endsWith("/console/sign-in");
			}
			assertThat(page.body()).as(path).doesNotContain(other.email()).doesNotContain(c.email())
				.doesNotContain(other.orderNumber());
		}
		assertThat(customer.get("/portal").body()).as("a page with the session's form token").contains("name=\"_csrf\"");
		String intruder = "intruder-" + UUID.randomUUID().toString().substring(0, 8);
		String agentHash = passwordHash("agent");
		Map<String, Map<String, String>> actions = new LinkedHashMap<>();
		actions.put("/console/staff",
				Map.of("username", intruder, "displayName", "I", "role", "ADMIN", "password", "a-long-enough-password"));
		actions.put("/console/staff/agent/enabled", Map.of("enabled", "false"));
		actions.put("/console/staff/agent/password", Map.of("password", "a-long-enough-password"));
		actions.put("/console/accounts/" + other.account() + "/verify", Map.of("email", other.email(), "cardLast4", "4242"));
		actions.put("/console/accounts/" + other.account() + "/email", Map.of("email", "taken-over@example.com"));
		actions.put("/console/accounts/" + other.account() + "/subscriptions/" + other.subscription() + "/cancel",
				Map.of("mode", "IMMEDIATE"));
		actions.put("/console/accounts/" + other.account() + "/close", Map.of("confirm", "true"));
		actions.put("/console/approvals/rfa_0000000000000000/approve", Map.of());
		actions.put("/console/search", Map.of("q", other.email()));

		for (Map.Entry<String, Map<String, String>> action : actions.entrySet()) {
			PortalSession.Page page = customer.post(action.getKey(), action.getValue());
			assertThat(page.status()).as(action.getKey()).isIn(302, 401, 403);
			if (page.status() == 302) {
				assertThat(page.location()).as(action.getKey()).matches(".*/console/sign-in(\\?.*)?");
			}
		}

		assertThat(jdbc.sql("SELECT count(*) FROM staff_users WHERE username = :u").param("u", intruder)
			.query(Long.class).single()).as("no staff account was created").isZero();
		assertThat(jdbc.sql("SELECT enabled FROM staff_users WHERE username = 'agent'").query(Boolean.class).single())
			.isTrue();
		assertThat(passwordHash("agent")).isEqualTo(agentHash);
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :a").param("a", other.account())
			.query(Long.class).single()).isZero();
		assertThat(email(other.account())).isEqualTo(other.email());
		assertThat(fixtures.subscription(other.subscription()).text("status")).isEqualTo("ACTIVE");
		assertThat(noticeTypes(other.account())).doesNotContain("CASE_UPDATE", "CANCELLATION_CONFIRMATION");
		assertThat(customer.get("/console/sign-in").status()).isEqualTo(200);
		assertThat(customer.get("/portal").status()).as("the portal session still works").isEqualTo(200);
	}

	private String passwordHash(String username) {
		return jdbc.sql("SELECT password_hash FROM staff_users WHERE username = :u").param("u", username)
			.query(String.class).single();
	}

	@Test
	void aStaffSessionIsNotACustomerSessionInThePortal() {
		PortalSession staff = new PortalSession(port);
		staff.get("/console/sign-in");
		PortalSession.Page signedIn = staff.post("/console/sign-in",
				Map.of("username", "agent", "password", "console-test-password"));
		assertThat(signedIn.location()).endsWith("/console");
		assertThat(staff.get("/console").status()).isEqualTo(200);

		PortalSession.Page portal = staff.get("/portal");

		assertThat(portal.status()).isIn(302, 403);
		assertThat(portal.body()).doesNotContain("<h1>My subscriptions</h1>");
	}
}
