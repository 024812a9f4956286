package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.intake.SignInCodes;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Nobody can keep a customer out of the portal by asking for sign-in codes with the customer's email: the limit that
 * refuses a browser counts the codes asked for that email from its own client address, a higher ceiling for the email
 * (against flooding its inbox) is shared by all addresses, and a code is ended only by a newer code asked for by the
 * same browser, so a stranger's requests leave the customer's code working. The refusal looks the same whether or
 * not an account has the email.
 */
@SubdeskIntegrationTest
class SignInCannotBeTakenAwayIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	Accounts accounts;

	@Autowired
	ApplicationEventPublisher events;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aStrangerAskingForCodesWithACustomersEmailNeitherRefusesTheCustomerNorEndsTheCustomersCode() {
		Customer victim = customerWith("antivirus-annual");
		PortalSession own = new PortalSession(port).requestCode(victim.email());
		String ownCode = PortalSession.latestCode(api, victim.account());

		PortalSession stranger = PortalSession.from(port, "127.0.0.2");
		String refusedForTheCustomer = askUntilRefused(stranger, victim.email());
		String refusedForNobody = askUntilRefused(stranger, Fixtures.uniqueEmail());
		assertThat(refusedForTheCustomer).as("the same refusal whether or not an account has the email")
			.isEqualTo(refusedForNobody);

		PortalSession.Page signedIn = own.post("/portal/sign-in/code", Map.of("code", ownCode));
		assertThat(signedIn.location()).as("the code the customer asked for still signs in").endsWith("/portal");
		PortalSession later = new PortalSession(port);
		later.get("/portal/sign-in");
		assertThat(later.post("/portal/sign-in", Map.of("email", victim.email())).location())
			.as("the customer can still ask for a code").endsWith("/portal/sign-in/code");
	}

	@Test
	void aCodeAskedForInAnotherBrowserDoesNotSignInHere() {
		Customer c = customerWith("antivirus-annual");
		PortalSession stranger = PortalSession.from(port, "127.0.0.3").requestCode(c.email());
		new PortalSession(port).requestCode(c.email());
		String customersCode = PortalSession.latestCode(api, c.account());

		assertThat(stranger.post("/portal/sign-in/code", Map.of("code", customersCode)).status()).isEqualTo(401);
	}

	@Test
	void theCodesOfOneEmailFromAllAddressesTogetherStayUnderTheCeiling() {
		SignInCodes codes = new SignInCodes(jdbc, clock, accounts, events, 3, 4, 100);
		for (String email : new String[] { email(accountWithVisa()), Fixtures.uniqueEmail() }) {
			String a = "203.0.113." + UUID.randomUUID();
			for (int i = 0; i < 3; i++) {
				assertThat(issue(codes, email, a, "browser-a")).isEqualTo(SignInCodes.Issue.SENT);
			}
			assertThat(issue(codes, email, a, "browser-a")).as("the address's own limit")
				.isEqualTo(SignInCodes.Issue.TOO_MANY_REQUESTS);
			assertThat(issue(codes, email, "198.51.100.1-" + a, "browser-b")).isEqualTo(SignInCodes.Issue.SENT);
			assertThat(issue(codes, email, "192.0.2.1-" + a, "browser-c")).as("the email's ceiling")
				.isEqualTo(SignInCodes.Issue.TOO_MANY_REQUESTS);
		}
	}

	/** Asks a service made here (not the bean) for a code, in the transaction the bean's proxy would open. */
	private SignInCodes.Issue issue(SignInCodes codes, String email, String address, String requester) {
		return new TransactionTemplate(transactions).execute(s -> codes.issue(email, address, requester));
	}

	/** Asks for codes for {@code email} until refused; answers the refusal page without the email and token. */
	private static String askUntilRefused(PortalSession browser, String email) {
		for (int i = 0; i < 3; i++) { // subdesk.portal.codes-per-email
			browser.get("/portal/sign-in");
			assertThat(browser.post("/portal/sign-in", Map.of("email", email)).location()).endsWith("/portal/sign-in/code");
		}
		browser.get("/portal/sign-in");
		PortalSession.Page refused = browser.post("/portal/sign-in", Map.of("email", email));
		assertThat(refused.status()).isEqualTo(429);
		return refused.body().replace(email, "EMAIL").replaceAll("name=\"_csrf\" value=\"[^\"]+\"", "");
	}
}
