package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
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

	@Test
	void closingTheAccountErasesWhatItsCustomerWroteInSupportCasesTheirSignInEmailsAndTheWithdrawalAcknowledgement() {
		Customer c = customerWith("antivirus-annual");
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		publicCancellation("ORD-0000-0000", c.email());
		publicWithdrawal(fixtures.subscription(vpn).text("orderNumber"), c.email());
		String charge = api.get("/accounts/" + c.account() + "/charges").json().path("data").get(1).path("id").asString();
		api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED", "detail",
				"My neighbour Erika Privat at Hauptstrasse 1 used my card"));
		Customer other = customerWith("antivirus-annual");
		publicCancellation("ORD-0000-0000", other.email());
		assertThat(caseDetails(c.account())).hasSize(2).allSatisfy(detail -> assertThat(detail).contains("Erika Privat"));

		PortalSession session = new PortalSession(port).signIn(api, c.account());
		assertThat(session.post("/portal/account/close", Map.of("confirm", "CLOSE")).location()).endsWith("/portal/closed");

		String tombstone = "erased+" + c.account() + "@invalid";
		assertThat(caseDetails(c.account())).hasSize(2).containsOnly("Erased when the account was closed");
		assertThat(jdbc.sql("SELECT subject FROM support_cases WHERE account_id = :a").param("a", c.account())
			.query(String.class).list()).hasSize(2).noneMatch(subject -> subject.contains("Erika"));
		assertThat(jdbc.sql("SELECT email FROM portal_sign_in_codes WHERE account_id = :a").param("a", c.account())
			.query(String.class).list()).isNotEmpty().containsOnly(tombstone);
		tools.jackson.databind.JsonNode acknowledgement = api.get("/accounts/" + c.account() + "/notices?limit=50").json()
			.path("data").values().stream()
			.filter(n -> "WITHDRAWAL_ACKNOWLEDGEMENT".equals(n.path("type").asString()))
			.findFirst().orElseThrow();
		assertThat(acknowledgement.path("to").asString()).isEqualTo(tombstone);
		assertThat(acknowledgement.path("body").isNull()).isTrue();
		assertThat(caseDetails(other.account())).singleElement().asString().contains("Erika Privat").contains(other.email());
	}

	private List<String> caseDetails(String account) {
		return jdbc.sql("SELECT detail FROM support_cases WHERE account_id = :a ORDER BY seq").param("a", account)
			.query(String.class).list();
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
