package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.intake.SignInCodes;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@SubdeskIntegrationTest
class PortalSecurityIntegrationTests extends PortalTestSupport {

	@Autowired
	PlatformTransactionManager transactions;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	Accounts accounts;

	@Autowired
	ApplicationEventPublisher events;

	@Autowired
	dev.subdesk.intake.KnownBrowsers knownBrowsers;

	@Test
	void anotherAccountsSubscriptionIsNotFoundForEveryPageAndForm() {
		String mine = accountWithVisa();
		fixtures.subscribe(mine, "antivirus-monthly");
		String theirs = accountWithVisa();
		String theirSubscription = fixtures.subscribe(theirs, "antivirus-annual");
		String theirNumber = fixtures.cancel(fixtures.subscribe(theirs, "vpn-annual"), "END_OF_TERM").text("confirmationNumber");
		PortalSession session = new PortalSession(port).signIn(api, mine);

		assertThat(session.get("/portal").body()).doesNotContain(theirSubscription);
		assertThat(session.get("/portal/subscriptions/" + theirSubscription + "/cancel").status()).isEqualTo(404);
		assertThat(session.get("/portal/cancellations/" + theirNumber).status()).isEqualTo(404);
		assertThat(session.get("/portal/cancellations/" + theirNumber + "/receipt").status()).isEqualTo(404);
		assertThat(session.get("/portal/cancellations/" + theirNumber + "/receipt.json").status()).isEqualTo(404);
		session.get("/portal");
		assertThat(session.post("/portal/subscriptions/" + theirSubscription + "/cancel", Map.of("mode", "IMMEDIATE")).status())
			.isEqualTo(404);
		assertThat(session.post("/portal/subscriptions/" + theirSubscription + "/offer", Map.of("offerId", "off_x")).status())
			.isEqualTo(404);
		String theirEnding = fixtures.subscribe(theirs, "utilities-annual");
		fixtures.cancel(theirEnding, "END_OF_TERM");
		assertThat(session.post("/portal/subscriptions/" + theirEnding + "/resume", Map.of()).status()).isEqualTo(404);
		assertThat(fixtures.subscription(theirEnding).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(fixtures.subscription(theirSubscription).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(theirSubscription).json().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void formsWithoutTheCsrfTokenAreRefusedAndChangeNothing() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		assertThat(session.postWithoutToken("/portal/subscriptions/" + c.subscription() + "/cancel", Map.of("mode", "IMMEDIATE"))
			.status()).isEqualTo(403);
		assertThat(new PortalSession(port).postWithoutToken("/cancel", Map.of("kind", "ORDINARY", "name", "A", "email", c.email(),
				"orderNumber", c.orderNumber(), "timing", "IMMEDIATELY", "confirmationEmail", c.email())).status()).isEqualTo(403);
		assertThat(new PortalSession(port).postWithoutToken("/portal/sign-in", Map.of("email", c.email())).status()).isEqualTo(403);
		PortalSession.Page refused = new PortalSession(port).postWithoutToken("/portal/sign-in", Map.of("email", c.email()));
		assertThat(refused.body()).contains("Something went wrong").contains("Cancel contracts here");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void aCsrfTokenFromBeforeTheSignInNoLongerWorksAfterIt() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).requestCode(c.email());
		String before = session.csrf();
		assertThat(session.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, c.account())))
			.location()).endsWith("/portal");

		PortalSession.Page planted = session.postWithToken(before, "/portal/subscriptions/" + c.subscription() + "/cancel",
				Map.of("mode", "IMMEDIATE"));

		assertThat(planted.status()).as("the token a page showed before the sign-in").isEqualTo(403);
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("ACTIVE");
		session.get("/portal");
		assertThat(session.csrf()).isNotEqualTo(before);
	}

	@Test
	void theSixthTryIsRefusedEvenWithTheRightCode() {
		String account = accountWithVisa();
		PortalSession session = new PortalSession(port);
		String code = askForCode(session, account);
		String wrong = code.equals("000000") ? "111111" : "000000";
		for (int i = 0; i < 5; i++) {
			assertThat(session.post("/portal/sign-in/code", Map.of("code", wrong)).status()).isEqualTo(401);
		}

		PortalSession.Page sixth = session.post("/portal/sign-in/code", Map.of("code", code));

		assertThat(sixth.status()).isEqualTo(401);
		assertThat(session.get("/portal").status()).isEqualTo(302);
	}

	@Test
	void aCodeWorksOnceAndSigningOutEndsTheSession() {
		String account = accountWithVisa();
		PortalSession session = new PortalSession(port).signIn(api, account);
		assertThat(session.get("/portal").status()).isEqualTo(200);

		PortalSession other = new PortalSession(port);
		String code = askForCode(other, account);
		assertThat(other.post("/portal/sign-in/code", Map.of("code", code)).location()).endsWith("/portal");
		assertThat(new PortalSession(port).get("/portal").status()).isEqualTo(302);

		session.get("/portal");
		assertThat(session.post("/portal/sign-out", Map.of()).location()).contains("/portal/sign-in");
		assertThat(session.get("/portal").status()).isEqualTo(302);
	}

	@Test
	void aCodeSentToTheOldAddressNoLongerSignsInOnceTheEmailChangedAndSessionsSignedInBeforeEnd() {
		String account = accountWithVisa();
		String other = accountWithVisa();
		PortalSession signedInBefore = new PortalSession(port).signIn(api, account);
		PortalSession otherCustomer = new PortalSession(port).signIn(api, other);
		PortalSession oldMailbox = new PortalSession(port);
		String code = askForCode(oldMailbox, account);

		String previous = email(account);
		String next = Fixtures.uniqueEmail();
		accounts.changeEmail(account, next);

		assertThat(jdbc.sql("""
				SELECT count(*) FROM event_publication
				WHERE strpos(serialized_event, :previous) > 0 OR strpos(serialized_event, :next) > 0
				""").param("previous", previous).param("next", next).query(Long.class).single())
			.as("the change's event, with both addresses, is not stored with the publications").isZero();
		assertThat(signedInBefore.get("/portal").status()).as("signed out").isEqualTo(302);
		assertThat(otherCustomer.get("/portal").status()).as("another account's session stays").isEqualTo(200);
		assertThat(oldMailbox.post("/portal/sign-in/code", Map.of("code", code)).status()).isEqualTo(401);
		assertThat(oldMailbox.get("/portal").status()).isEqualTo(302);
		PortalSession owner = new PortalSession(port).signIn(api, account);
		assertThat(owner.get("/portal").status()).as("a code asked for with the new address signs in").isEqualTo(200);
	}

	/**
	 * A session stored just after the email change ended the account's sessions (a code of the old mailbox used at
	 * that very moment) is not found by that ending: every portal request checks the address it signed in with, and
	 * that the account is open.
	 */
	@Test
	void aSessionWhoseAddressIsNoLongerTheAccountsOrWhoseAccountClosedEndsAtItsNextRequest() {
		String account = accountWithVisa();
		String closing = accountWithVisa();
		PortalSession missedByTheChange = new PortalSession(port).signIn(api, account);
		PortalSession missedByTheClosure = new PortalSession(port).signIn(api, closing);
		// what the change and the closure did, without the ending of sessions they found: as if these were stored after
		jdbc.sql("UPDATE accounts SET email = :email WHERE id = :id").param("email", Fixtures.uniqueEmail())
			.param("id", account).update();
		jdbc.sql("UPDATE accounts SET status = 'CLOSED' WHERE id = :id").param("id", closing).update();

		PortalSession.Page changed = missedByTheChange.get("/portal");
		assertThat(changed.status()).isEqualTo(302);
		assertThat(changed.location()).endsWith("/portal/sign-in");
		assertThat(missedByTheClosure.get("/portal/account").status()).isEqualTo(302);
		assertThat(missedByTheChange.get("/portal").status()).as("and the session is gone").isEqualTo(302);
	}

	/** A session signed in before the check existed (or by a node of the previous version) is not signed out. */
	@Test
	void aSessionWithoutTheSignedInAddressStaysWhileTheAccountIsOpenAndGetsItsPresentAddress() {
		String account = accountWithVisa();
		PortalSession older = new PortalSession(port).signIn(api, account);
		jdbc.sql("""
				UPDATE spring_session_attributes SET attribute_name = 'portal.signedInEmail.removed'
				WHERE attribute_name = 'portal.signedInEmail'
				  AND session_primary_id IN (SELECT primary_id FROM spring_session WHERE principal_name = :account)
				""").param("account", account).update();

		assertThat(older.get("/portal").status()).as("still signed in").isEqualTo(200);
		jdbc.sql("UPDATE accounts SET email = :email WHERE id = :id").param("email", Fixtures.uniqueEmail())
			.param("id", account).update();
		assertThat(older.get("/portal").status()).as("the address it was given is checked from then on")
			.isEqualTo(302);
	}

	/** Asks for a sign-in code for the account's address in {@code session}: the code mailed to it. */
	private String askForCode(PortalSession session, String account) {
		session.requestCode(email(account));
		return PortalSession.latestCode(api, account);
	}

	@Test
	void askingForManyCodesIsLimitedPerEmail() {
		String email = email(accountWithVisa());
		PortalSession session = new PortalSession(port);
		session.get("/portal/sign-in");
		for (int i = 0; i < 3; i++) {
			assertThat(session.post("/portal/sign-in", Map.of("email", email)).status()).isEqualTo(302);
		}
		PortalSession.Page fourth = session.post("/portal/sign-in", Map.of("email", email));
		assertThat(fourth.status()).isEqualTo(429);
		assertThat(fourth.body()).contains("Too many codes");
	}

	@Test
	void askingForCodesIsLimitedPerClientAddressWhateverTheEmails() {
		// the suite's browsers all come from 127.0.0.1, so its server runs with a high limit: this one has two
		SignInCodes codes = new SignInCodes(jdbc, clock, accounts, events, knownBrowsers, 3, 10, 2, 3, 20);
		TransactionTemplate tx = new TransactionTemplate(transactions); // what the bean's proxy would open
		BiFunction<String, String, SignInCodes.Issue> issue = (email, ip) -> tx.execute(s -> codes.issue(email, ip, "a browser"));
		String address = "203.0.113." + UUID.randomUUID();

		assertThat(issue.apply(Fixtures.uniqueEmail(), address)).isEqualTo(SignInCodes.Issue.SENT);
		assertThat(issue.apply(Fixtures.uniqueEmail(), address)).isEqualTo(SignInCodes.Issue.SENT);
		assertThat(issue.apply(Fixtures.uniqueEmail(), address)).isEqualTo(SignInCodes.Issue.TOO_MANY_REQUESTS);
		assertThat(issue.apply(Fixtures.uniqueEmail(), "198.51.100." + UUID.randomUUID())).isEqualTo(SignInCodes.Issue.SENT);
	}

	@Test
	void theSessionCookieIsHttpOnlyAndSameSiteLax() {
		PortalSession.Page page = new PortalSession(port).get("/portal/sign-in");
		assertThat(page.setCookie()).contains("SESSION=").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
	}

	@Test
	void cancelEverythingEndsEveryDirectSubscriptionOfTheSignedInAccountOnly() {
		Customer c = customerWith("antivirus-annual");
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		Customer other = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		session.get("/portal");

		PortalSession.Page done = session.post("/portal/cancel-all", Map.of("mode", "END_OF_TERM"));

		assertThat(done.location()).endsWith("/portal");
		assertThat(session.get("/portal").body()).contains("Cancelled. Confirmation numbers:").contains("CXL-");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(fixtures.subscription(vpn).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(fixtures.subscription(other.subscription()).json().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void everyPageStaysFarUnderOneHundredKilobytes() {
		Customer c = customerWith("total-annual");
		fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		for (String path : List.of("/", "/cancel", "/support", "/portal/sign-in", "/portal",
				"/portal/subscriptions/" + c.subscription() + "/cancel")) {
			PortalSession.Page page = session.get(path);
			assertThat(page.status()).as(path).isEqualTo(200);
			assertThat(page.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).as(path).isLessThan(100_000);
		}
	}

	@Test
	void theApiStillAnswersWithItsOwnKeyAndNoSessionOrCsrf() {
		Api.Response withoutKey = api.with("Authorization", null).get("/accounts/acct_x");
		assertThat(withoutKey.status()).isEqualTo(401);
		assertThat(withoutKey.code()).isEqualTo("UNAUTHORIZED");
		String account = fixtures.account();
		assertThat(api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_visa")).status()).isEqualTo(201);
	}

	@Test
	void theSupportPageNamesTheOfficialChannelsAndWhatAcmeNeverAsks() {
		PortalSession.Page page = new PortalSession(port).get("/support");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("support@acme.example")
			.contains("never asks for a full card number, a CVC or a password")
			.contains("Cancel contracts here");
	}
}
