package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.intake.KnownBrowsers;
import dev.subdesk.intake.SignInCodes;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.util.List;
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

	@Autowired
	KnownBrowsers knownBrowsers;

	/**
	 * A stranger with four client addresses uses up the ceiling of the codes for a customer's email (three from each
	 * address, ten from all): a browser that signed in with that email before (its known-browser cookie) still gets a
	 * code and signs in with it, within an allowance of its own; any other browser, with no cookie or one the server
	 * did not make for this email, is refused, and nothing answers 500.
	 */
	@Test
	void aBrowserThatSignedInBeforeStillGetsACodeAfterStrangersUsedUpTheEmailsCeiling() {
		Customer c = customerWith("antivirus-annual");
		PortalSession first = new PortalSession(port).requestCode(c.email());
		PortalSession.Page signedIn = first.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, c.account())));
		assertThat(signedIn.location()).endsWith("/portal");
		String setCookie = signedIn.setCookie().lines().filter(l -> l.startsWith(KnownBrowsers.COOKIE + "=")).findFirst()
			.orElseThrow();
		assertThat(setCookie).contains("HttpOnly", "Secure", "SameSite=Lax", "Max-Age=31536000", "Path=/");
		String known = signedIn.cookie(KnownBrowsers.COOKIE).orElseThrow();
		assertThat(known).as("names no email").doesNotContain("@", c.email().substring(0, c.email().indexOf('@')));

		int sent = 1; // the code the customer signed in with counted as a stranger's: the browser was not known yet
		for (String address : List.of("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24")) {
			PortalSession stranger = PortalSession.from(port, address);
			for (int i = 0; i < 3; i++) {
				stranger.get("/portal/sign-in");
				PortalSession.Page asked = stranger.post("/portal/sign-in", Map.of("email", c.email()));
				if (asked.status() == 302) {
					sent++;
				}
				else {
					assertThat(asked.status()).isEqualTo(429);
				}
			}
		}
		assertThat(sent).as("the email's ceiling, reached from four addresses").isEqualTo(10);

		assertThat(ask(new PortalSession(port), c.email()).status()).as("an unknown browser").isEqualTo(429);
		String forged = known.substring(0, known.length() - 2) + (known.endsWith("AA") ? "BA" : "AA");
		for (String cookie : List.of(forged, "garbage", knownBrowsers.remember(Fixtures.uniqueEmail(), c.account(), List.of()),
				known.substring(0, known.indexOf('.')))) {
			PortalSession other = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, cookie);
			assertThat(ask(other, c.email()).status()).as("a cookie not made for this email: " + cookie).isEqualTo(429);
		}

		// the customer's browser after its session ended: only the cookie is left
		PortalSession again = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known);
		PortalSession.Page asked = ask(again, c.email());
		assertThat(asked.status()).as("a known browser").isEqualTo(302);
		assertThat(asked.location()).endsWith("/portal/sign-in/code");
		again.get("/portal/sign-in/code");
		assertThat(again.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, c.account()))).location())
			.as("and signs in with it").endsWith("/portal");

		PortalSession more = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known);
		assertThat(ask(more, c.email()).status()).isEqualTo(302);
		assertThat(ask(more, c.email()).status()).isEqualTo(302);
		assertThat(ask(more, c.email()).status()).as("the known browser's own allowance is small").isEqualTo(429);
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = lower(:email)")
			.param("email", c.email()).query(Long.class).single()).as("what went to the inbox, all told").isEqualTo(13);
	}

	/**
	 * A browser is known for an email only while the account it signed in to has it: once that account's email
	 * changes, or the account is closed, and someone else's account has the email, the browser's codes for it are a
	 * stranger's (counted against the strangers' ceiling, mailed only within it).
	 */
	@Test
	void aBrowserKnownForAnEmailIsAStrangerOnceTheAccountNoLongerHasIt() {
		Customer c = customerWith("antivirus-annual");
		String known = signInAndKeepCookie(c.account(), c.email());
		assertThat(ask(new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known), c.email()).status()).isEqualTo(302);
		assertThat(knownBrowsersCodes(c.email())).as("known while the account has the email").isEqualTo(1);

		accounts.changeEmail(c.account(), Fixtures.uniqueEmail());
		accounts.changeEmail(accountWithVisa(), c.email());
		assertThat(ask(new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known), c.email()).status()).isEqualTo(302);
		assertThat(knownBrowsersCodes(c.email())).as("a stranger to the email's next account").isEqualTo(1);

		String closing = accountWithVisa();
		String email = email(closing);
		String closedOnes = signInAndKeepCookie(closing, email);
		new TransactionTemplate(transactions).executeWithoutResult(s -> accounts.closeAndErase(closing));
		accounts.changeEmail(accountWithVisa(), email);
		assertThat(ask(new PortalSession(port).withCookie(KnownBrowsers.COOKIE, closedOnes), email).status()).isEqualTo(302);
		assertThat(knownBrowsersCodes(email)).as("a stranger once the account it knew is closed").isZero();
	}

	/**
	 * The cookie is a {@code __Host-} one (Secure, Path=/, no Domain); of several with its name, the one that holds
	 * counts (one planted for a deeper path, sent first, shadows nothing), and signing in keeps a browser id only
	 * from a cookie the server made.
	 */
	@Test
	void theKnownBrowserCookieIsAHostCookieAndOneThatDoesNotHoldShadowsNothing() {
		Customer c = customerWith("antivirus-annual");
		PortalSession first = new PortalSession(port).requestCode(c.email());
		PortalSession.Page signedIn = first.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, c.account())));
		String setCookie = signedIn.setCookie().lines().filter(l -> l.startsWith("__Host-subdesk_known_browser=")).findFirst()
			.orElseThrow();
		assertThat(setCookie).contains("Secure", "Path=/").doesNotContainIgnoringCase("Domain=");
		String known = signedIn.cookie(KnownBrowsers.COOKIE).orElseThrow();
		String id = known.substring(0, known.indexOf('.'));

		String planted = "A".repeat(22) + "." + "B".repeat(22) + "." + "C".repeat(22);
		PortalSession shadowed = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known)
			.withCookie(KnownBrowsers.COOKIE, planted, "/portal");
		assertThat(ask(shadowed, c.email()).status()).isEqualTo(302);
		assertThat(knownBrowsersCodes(c.email())).as("the cookie that holds counts").isEqualTo(1);

		Customer other = customerWith("antivirus-annual");
		PortalSession kept = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known).requestCode(other.email());
		String again = kept.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, other.account())))
			.cookie(KnownBrowsers.COOKIE).orElseThrow();
		assertThat(again).as("the server's own id is kept, with both emails' tags").startsWith(id + ".")
			.contains(known.substring(known.lastIndexOf('.')));

		PortalSession forged = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, planted).requestCode(other.email());
		String fresh = forged.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, other.account())))
			.cookie(KnownBrowsers.COOKIE).orElseThrow();
		assertThat(fresh).as("an id the server did not make is not kept").doesNotStartWith("A".repeat(22));
	}

	/**
	 * Strangers' codes for one email have a ceiling of 20 wrong tries a day together: past it, a stranger's new code
	 * is still mailed (its email carries the sign-in link, which the ceiling does not hold: SignInLinkIntegrationTests)
	 * but no try on it signs in, not even with the right code, and the answer is the same whether or not an account
	 * has the email; a browser known for the email still gets a code and signs in with it.
	 */
	@Test
	void twentyWrongTriesOnStrangersCodesShutTheirCodesForTheDayButNotAKnownBrowsers() {
		Customer c = customerWith("antivirus-annual");
		String known = signInAndKeepCookie(c.account(), c.email());
		PortalSession forTheCustomer = guessTwentyTimes(c.email(), "127.0.0.41", "127.0.0.42");
		PortalSession forNobody = guessTwentyTimes(Fixtures.uniqueEmail(), "127.0.0.43", "127.0.0.44");
		PortalSession.Page refusedForTheCustomer = forTheCustomer.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCode(api, c.account())));
		assertThat(refusedForTheCustomer.status()).as("the right code, past the day's wrong tries").isEqualTo(401);
		PortalSession.Page refusedForNobody = forNobody.post("/portal/sign-in/code", Map.of("code", "123456"));
		assertThat(withoutEmailAndToken(refusedForTheCustomer.body()))
			.as("the same refusal whether or not an account has the email")
			.isEqualTo(withoutEmailAndToken(refusedForNobody.body()));

		PortalSession customer = new PortalSession(port).withCookie(KnownBrowsers.COOKIE, known);
		assertThat(ask(customer, c.email()).status()).as("a known browser still gets a code").isEqualTo(302);
		customer.get("/portal/sign-in/code");
		assertThat(customer.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, c.account())))
			.location()).as("and signs in with it").endsWith("/portal");
	}

	/**
	 * 4 strangers' codes with 5 wrong tries each, then a fifth code asked for: still answered as sent (its email has
	 * the link); answers the browser that asked for it, on the page to enter it.
	 */
	private PortalSession guessTwentyTimes(String email, String firstAddress, String secondAddress) {
		PortalSession one = PortalSession.from(port, firstAddress);
		PortalSession two = PortalSession.from(port, secondAddress);
		for (PortalSession stranger : List.of(one, one, one, two)) {
			assertThat(ask(stranger, email).status()).isEqualTo(302);
			stranger.get("/portal/sign-in/code");
			for (int i = 0; i < 5; i++) {
				assertThat(stranger.post("/portal/sign-in/code", Map.of("code", "0000000")).status()).isEqualTo(401);
			}
		}
		assertThat(ask(two, email).status()).as("past the day's wrong tries, a code (and its link) is still sent")
			.isEqualTo(302);
		two.get("/portal/sign-in/code");
		return two;
	}

	/** A page without its CSRF token and with every email address as EMAIL. */
	private static String withoutEmailAndToken(String body) {
		String page = body.replaceAll("name=\"_csrf\" value=\"[^\"]+\"", "");
		return page.replaceAll("[^\\s<>\"]+@[^\\s<>\"]+", "EMAIL");
	}

	/** Signs in with the account's email in a new browser: answers the known-browser cookie it was given. */
	private String signInAndKeepCookie(String account, String email) {
		PortalSession browser = new PortalSession(port).requestCode(email);
		PortalSession.Page signedIn = browser.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCode(api, account)));
		assertThat(signedIn.location()).endsWith("/portal");
		return signedIn.cookie(KnownBrowsers.COOKIE).orElseThrow();
	}

	private long knownBrowsersCodes(String email) {
		return jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = lower(:email) AND known_browser IS NOT NULL")
			.param("email", email).query(Long.class).single();
	}

	private static PortalSession.Page ask(PortalSession browser, String email) {
		browser.get("/portal/sign-in");
		return browser.post("/portal/sign-in", Map.of("email", email));
	}

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
		SignInCodes codes = new SignInCodes(jdbc, clock, accounts, events, knownBrowsers, 3, 4, 100, 3, 20);
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
