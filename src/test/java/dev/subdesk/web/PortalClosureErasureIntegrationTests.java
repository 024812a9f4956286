package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.SubdeskIntegrationTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Closing an account erases what the public forms kept about the customer (cancellation requests, matched or
 * not, and withdrawals), like the rest of the account's personal data; numbers and amounts stay.
 */
@SubdeskIntegrationTest
class PortalClosureErasureIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Test
	void closingTheAccountErasesTheNamesAndEmailsOfItsPublicRequestsAndWithdrawals() {
		Customer c = customerWith("antivirus-annual");
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		String vpnOrder = fixtures.subscription(vpn).text("orderNumber");
		String cancelled = publicCancellation(c.orderNumber(), c.email());
		String unmatched = publicCancellation("ORD-0000-0000", c.email());
		String withdrawn = publicWithdrawal(vpnOrder, c.email());
		Customer other = customerWith("antivirus-annual");
		String othersRequest = publicCancellation(other.orderNumber(), other.email());
		for (String page : List.of("/cancel/received/" + cancelled, "/cancel/received/" + unmatched,
				"/withdraw/received/" + withdrawn)) {
			assertThat(new PortalSession(port).get(page).body()).contains("Erika Privat").contains(c.email());
		}

		PortalSession session = new PortalSession(port).signIn(api, c.account());
		assertThat(session.post("/portal/account/close", Map.of("confirm", "CLOSE")).location()).endsWith("/portal/closed");

		for (String page : List.of("/cancel/received/" + cancelled, "/cancel/received/" + unmatched,
				"/withdraw/received/" + withdrawn)) {
			assertThat(new PortalSession(port).get(page).body()).doesNotContain("Erika Privat")
				.doesNotContain(c.email())
				.contains("Erased customer");
		}
		String tombstone = "erased+" + c.account() + "@invalid";
		assertThat(jdbc.sql("SELECT name, email FROM withdrawals WHERE account_id = :a").param("a", c.account())
			.query((rs, n) -> rs.getString("name") + " " + rs.getString("email")).list())
			.containsExactly("Erased customer " + tombstone);
		assertThat(jdbc.sql("SELECT confirmation_email FROM public_cancellation_requests WHERE account_id = :a")
			.param("a", c.account()).query(String.class).list()).hasSize(2).containsOnly(tombstone);
		assertThat(jdbc.sql("SELECT reference_number FROM withdrawals WHERE account_id = :a").param("a", c.account())
			.query(String.class).single()).startsWith("WDR-");
		assertThat(new PortalSession(port).get("/cancel/received/" + othersRequest).body()).contains("Erika Privat")
			.contains(other.email());
	}

	private String publicCancellation(String order, String email) {
		Map<String, String> form = new HashMap<>(Map.of("kind", "ORDINARY", "name", "Erika Privat", "email", email,
				"orderNumber", order, "timing", "EARLIEST", "confirmationEmail", email));
		return post("/cancel", form, "/cancel/received/");
	}

	private String publicWithdrawal(String order, String email) {
		return post("/withdraw", PortalWithdrawalIntegrationTests.form("Erika Privat", email, order), "/withdraw/received/");
	}

	private String post(String path, Map<String, String> form, String resultPrefix) {
		PortalSession session = new PortalSession(port);
		session.get(path);
		String location = session.post(path, form).location();
		assertThat(location).contains(resultPrefix);
		return location.substring(location.indexOf(resultPrefix) + resultPrefix.length());
	}
}
