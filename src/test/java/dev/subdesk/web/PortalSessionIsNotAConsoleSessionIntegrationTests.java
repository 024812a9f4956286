package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.SubdeskIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A customer signed in to the portal with the emailed one-time code reaches no page of the agent console: every
 * one of them is refused (403) or sends them to the console's sign-in, and none shows data. Nor is a staff
 * member's console session a customer's session in the portal.
 */
@SubdeskIntegrationTest
class PortalSessionIsNotAConsoleSessionIntegrationTests extends PortalTestSupport {

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
		customer.get("/portal");
		PortalSession.Page verify = customer.post("/console/accounts/" + other.account() + "/verify",
				Map.of("email", other.email(), "cardLast4", "4242"));
		PortalSession.Page staff = customer.post("/console/staff",
				Map.of("username", "intruder", "displayName", "I", "role", "ADMIN", "password", "a-long-enough-password"));

		assertThat(verify.status()).isIn(302, 403);
		assertThat(staff.status()).isIn(302, 403);
		assertThat(customer.get("/console/sign-in").status()).isEqualTo(200);
		assertThat(noticeTypes(other.account())).doesNotContain("CASE_UPDATE");
		assertThat(customer.get("/portal").status()).as("the portal session still works").isEqualTo(200);
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
