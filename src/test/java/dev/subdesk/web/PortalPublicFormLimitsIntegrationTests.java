package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.intake.PublicFormLimits;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The public forms cannot be used to flood a stranger's inbox or the support desk: one email address is named in
 * at most ten requests a day (as the customer's or the confirmation's), one client address sends at most thirty
 * in 15 minutes, and the refusal looks the same whether or not an account has the email. Nor can they be used to
 * lock a customer out: the owner's own requests have an allowance of their own, and those sent signed in to the portal
 * (the only proof that they are the owner's) another again, which nobody else's requests use up.
 */
@SubdeskIntegrationTest
class PortalPublicFormLimitsIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aStrangersEmailIsNamedInAtMostTenRequestsADayWhetherOrNotItHasAnAccount() {
		Customer stranger = customerWith("antivirus-annual");
		String nobody = Fixtures.uniqueEmail();
		Map<String, String> refusals = new HashMap<>();
		for (String email : List.of(stranger.email(), nobody)) {
			for (int i = 0; i < 10; i++) {
				assertThat(cancel("ORD-0000-000" + i, email, email).status()).isEqualTo(302);
			}
			PortalSession.Page eleventh = cancel("ORD-0000-0010", email, email);
			assertThat(eleventh.status()).isEqualTo(429);
			assertThat(eleventh.body()).contains("Too many requests were sent for this email address");
			refusals.put(email, eleventh.body().replace(email, "EMAIL").replaceAll("name=\"_csrf\" value=\"[^\"]+\"", ""));
		}
		assertThat(refusals.get(stranger.email())).isEqualTo(refusals.get(nobody));
		assertThat(caseNotices(stranger.account())).isEqualTo(10);

		PortalSession.Page asConfirmation = cancel(stranger.orderNumber(), Fixtures.uniqueEmail(), stranger.email());
		assertThat(asConfirmation.status()).as("named as a stranger's confirmation address").isEqualTo(429);
		assertThat(fixtures.subscription(stranger.subscription()).json().path("autoRenew").asBoolean()).isTrue();
		assertThat(caseNotices(stranger.account())).isEqualTo(10);

		// the owner's own request (the contract's order number with its account's email) is not held back by what
		// strangers sent naming that email: nobody can take the customer's online cancellation away
		PortalSession.Page withdrawal = withdraw(stranger.orderNumber(), stranger.email());
		assertThat(withdrawal.status()).as(withdrawal.body()).isEqualTo(302);
		assertThat(fixtures.subscription(stranger.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void ownersRequestsHaveTheirOwnAllowanceThatStrangersRequestsDoNotUseUp() {
		PublicFormLimits limits = new PublicFormLimits(jdbc, clock, 2, Duration.ofDays(1), 100, Duration.ofMinutes(15));
		String email = Fixtures.uniqueEmail();
		String address = "192.0.2." + UUID.randomUUID();
		assertThat(allow(limits, address, List.of(email), null)).isTrue();
		assertThat(allow(limits, address, List.of(email), null)).isTrue();
		assertThat(allow(limits, address, List.of(email), null)).as("strangers' third").isFalse();
		// another owner's requests naming this email as their confirmation address count as strangers' too
		String otherOwner = Fixtures.uniqueEmail();
		assertThat(allow(limits, address, List.of(otherOwner, email), otherOwner)).as("the address is used up").isFalse();

		assertThat(allow(limits, address, List.of(email), email)).as("the owner's first").isTrue();
		assertThat(allow(limits, address, List.of(email), email)).isTrue();
		assertThat(allow(limits, address, List.of(email), email)).as("the owner's own limit").isFalse();

		// sent signed in as the owner: an allowance of its own, which no request not signed in uses up
		assertThat(signedIn(limits, address, List.of(email), email)).as("signed in, first").isTrue();
		assertThat(signedIn(limits, address, List.of(email), email)).isTrue();
		assertThat(signedIn(limits, address, List.of(email), email)).as("signed in, its own limit").isFalse();
		assertThat(allow(limits, address, List.of(email), null)).as("still counted for the others").isFalse();
	}

	private boolean signedIn(PublicFormLimits limits, String address, List<String> emails, String ownersEmail) {
		return Boolean.TRUE.equals(
				new TransactionTemplate(transactions).execute(status -> limits.allow(address, emails, ownersEmail, true)));
	}

	@Test
	void anotherCustomersOwnRequestsNamingAnEmailAsTheirConfirmationAddressDoNotLockItsOwnerOut() {
		Customer victim = customerWith("antivirus-annual");
		Customer other = customerWith("antivirus-annual");
		for (int i = 0; i < 10; i++) { // the other customer's own contract, scheduled to end: repeatable
			assertThat(cancelEndOfTerm(other.orderNumber(), other.email(), victim.email()).status()).isEqualTo(302);
		}

		PortalSession.Page own = withdraw(victim.orderNumber(), victim.email());

		assertThat(own.status()).as(own.body()).isEqualTo(302);
		assertThat(fixtures.subscription(victim.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	/**
	 * A stranger who types a customer's order number with a new throwaway email each time is not held back by the
	 * per-email limit: the customer's account is told of at most ten such requests a day (the cases they open), and
	 * every further one is still recorded for an agent and confirmed to the address typed, with no new case and no
	 * email to the customer.
	 */
	@Test
	void requestsNamingACustomersContractWithThrowawayEmailsTellTheCustomerAtMostTenTimesADay() {
		Customer owner = customerWith("antivirus-annual");
		for (int i = 0; i < 6; i++) {
			assertThat(cancel(owner.orderNumber(), Fixtures.uniqueEmail(), Fixtures.uniqueEmail()).status()).isEqualTo(302);
			assertThat(withdrawFrom(owner.orderNumber(), Fixtures.uniqueEmail(), "Mallory").status()).isEqualTo(302);
		}
		assertThat(caseNotices(owner.account())).isEqualTo(10);

		String throwaway = Fixtures.uniqueEmail();
		PortalSession.Page eleventh = cancel(owner.orderNumber(), Fixtures.uniqueEmail(), throwaway);

		assertThat(eleventh.status()).as("still taken and confirmed").isEqualTo(302);
		assertThat(caseNotices(owner.account())).as("no new case, no email to the customer").isEqualTo(10);
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE recipient = :to AND type = 'CANCELLATION_REQUEST_RECEIVED'")
			.param("to", throwaway).query(Long.class).single()).as("confirmed to the address typed").isEqualTo(1);
		assertThat(fixtures.subscription(owner.subscription()).text("status")).isEqualTo("ACTIVE");
	}

	/**
	 * The cases strangers' requests open on an account (a customer's order number with throwaway emails) do not use up
	 * those of the owner's own requests, sent signed in to the portal: a request the form cannot act on still opens a
	 * case for an agent and tells the owner.
	 */
	@Test
	void strangersRequestsDoNotUseUpTheCasesOfTheOwnersOwnRequests() {
		Customer owner = customerWith("antivirus-annual");
		for (int i = 0; i < 6; i++) {
			assertThat(cancel(owner.orderNumber(), Fixtures.uniqueEmail(), Fixtures.uniqueEmail()).status()).isEqualTo(302);
			assertThat(withdrawFrom(owner.orderNumber(), Fixtures.uniqueEmail(), "Mallory").status()).isEqualTo(302);
		}
		assertThat(caseNotices(owner.account())).as("the strangers' allowance, used up").isEqualTo(10);

		// the owner's own requests, signed in, with the account's email (another letter case) and an order number the
		// forms cannot act on
		PortalSession signedIn = new PortalSession(port).signIn(api, owner.account());
		assertThat(cancel(signedIn, "ORD-0000-0099", owner.email().toUpperCase(java.util.Locale.ROOT), owner.email()).status())
			.isEqualTo(302);
		assertThat(withdrawFrom(signedIn, "ORD-0000-0098", owner.email(), "Ann").status()).isEqualTo(302);

		assertThat(caseNotices(owner.account())).as("the owner's own requests open cases").isEqualTo(12);
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE account_id = :account AND owners")
			.param("account", owner.account()).query(Long.class).single()).isEqualTo(1);
	}

	/**
	 * Typing the owner's email proves nothing: a stranger who sends requests typed with it (the form cannot act on
	 * them) uses up the allowances of requests not signed in, the ten a day naming the email and the ten cases a day on
	 * the account, but not the owner's: the owner, signed in to the portal, is still taken and still gets a case.
	 * Another customer signed in is no owner of this email: still refused.
	 */
	@Test
	void aStrangerTypingTheOwnersEmailDoesNotUseUpTheSignedInOwnersAllowance() {
		Customer owner = customerWith("antivirus-annual");
		for (int i = 0; i < 10; i++) {
			assertThat(cancel("ORD-0000-01" + (10 + i), owner.email(), owner.email()).status()).isEqualTo(302);
		}
		assertThat(caseNotices(owner.account())).as("cases of requests not signed in").isEqualTo(10);
		assertThat(cancel("ORD-0000-0130", owner.email(), owner.email()).status()).as("not signed in: the email's limit")
			.isEqualTo(429);
		Customer other = customerWith("antivirus-annual");
		PortalSession otherSignedIn = new PortalSession(port).signIn(api, other.account());
		assertThat(cancel(otherSignedIn, "ORD-0000-0131", owner.email(), owner.email()).status())
			.as("signed in as another account").isEqualTo(429);

		PortalSession signedIn = new PortalSession(port).signIn(api, owner.account());
		PortalSession.Page own = cancel(signedIn, "ORD-0000-0132", owner.email(), owner.email());

		assertThat(own.status()).as(own.body()).isEqualTo(302);
		assertThat(caseNotices(owner.account())).as("the owner's own request opens a case").isEqualTo(11);
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE account_id = :account AND signed_in")
			.param("account", owner.account()).query(Long.class).single()).isEqualTo(1);
	}

	/**
	 * A stranger who knows the owner's email and order number, and sends the owner's own request (a cancellation at
	 * the end of the term, which can be sent again) until the owner's requests not signed in are used up, cannot keep
	 * the owner from withdrawing signed in.
	 */
	@Test
	void aStrangerSendingTheOwnersOwnRequestDoesNotUseUpTheSignedInOwnersAllowance() {
		Customer owner = customerWith("antivirus-annual");
		for (int i = 0; i < 10; i++) {
			assertThat(cancelEndOfTerm(owner.orderNumber(), owner.email(), owner.email()).status()).isEqualTo(302);
		}
		assertThat(withdraw(owner.orderNumber(), owner.email()).status()).as("the owner's requests not signed in")
			.isEqualTo(429);

		PortalSession signedIn = new PortalSession(port).signIn(api, owner.account());
		PortalSession.Page own = withdrawFrom(signedIn, owner.orderNumber(), owner.email(), "Ann");

		assertThat(own.status()).as(own.body()).isEqualTo(302);
		assertThat(fixtures.subscription(owner.subscription()).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void anIpv6ClientIsCountedByItsSlash64() {
		PublicFormLimits limits = new PublicFormLimits(jdbc, clock, 10, Duration.ofDays(1), 2, Duration.ofMinutes(15));
		String network = "2001:db8:" + Integer.toHexString(new java.util.Random().nextInt(0xffff)) + ":";
		String prefix = network + "1";
		assertThat(allow(limits, prefix + "::1", List.of(Fixtures.uniqueEmail()))).isTrue();
		assertThat(allow(limits, prefix + ":0:0:0:ffff", List.of(Fixtures.uniqueEmail()))).isTrue();

		assertThat(allow(limits, prefix + ":abcd:1234:5678:9", List.of(Fixtures.uniqueEmail()))).as("the same /64").isFalse();
		assertThat(allow(limits, network + "2::1", List.of(Fixtures.uniqueEmail()))).as("another /64").isTrue();
	}

	@Test
	void oneClientAddressSendsAtMostItsLimitInTheWindowAndOthersAreNotAffected() {
		PublicFormLimits limits = new PublicFormLimits(jdbc, clock, 10, Duration.ofDays(1), 3, Duration.ofMinutes(15));
		String address = "192.0.2." + UUID.randomUUID();
		for (int i = 0; i < 3; i++) {
			assertThat(allow(limits, address, List.of(Fixtures.uniqueEmail()))).isTrue();
		}

		assertThat(allow(limits, address, List.of(Fixtures.uniqueEmail()))).isFalse();
		assertThat(allow(limits, "198.51.100." + UUID.randomUUID(), List.of(Fixtures.uniqueEmail()))).isTrue();
		assertThat(jdbc.sql("SELECT count(*) FROM public_form_sends WHERE client_ip = :ip").param("ip", address)
			.query(Long.class).single()).isEqualTo(3);
		fixtures.advance("PT15M");
		assertThat(allow(limits, address, List.of(Fixtures.uniqueEmail()))).isTrue();
	}

	@Test
	void onlyAHashOfTheEmailIsKept() {
		String email = Fixtures.uniqueEmail();
		cancel("ORD-0000-0000", email, email);

		assertThat(jdbc.sql("SELECT count(*) FROM public_form_sends WHERE email_hash = :hash")
			.param("hash", PublicFormLimits.hash(jdbc, email.toUpperCase())).query(Long.class).single()).isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM public_form_sends WHERE email_hash LIKE '%@%'").query(Long.class).single())
			.isZero();
	}

	/** Asks a limiter made here (not a Spring bean) in a transaction, as the bean's own proxy would. */
	private boolean allow(PublicFormLimits limits, String address, List<String> emails) {
		return allow(limits, address, emails, null);
	}

	private boolean allow(PublicFormLimits limits, String address, List<String> emails,
			@org.jspecify.annotations.Nullable String ownersEmail) {
		return Boolean.TRUE.equals(
				new TransactionTemplate(transactions).execute(status -> limits.allow(address, emails, ownersEmail)));
	}

	private PortalSession.Page cancel(String order, String email, String confirmationEmail) {
		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		return session.post("/cancel", Map.of("kind", "ORDINARY", "name", "Mallory", "email", email, "orderNumber", order,
				"timing", "IMMEDIATELY", "confirmationEmail", confirmationEmail));
	}

	private PortalSession.Page cancel(PortalSession session, String order, String email, String confirmationEmail) {
		session.get("/cancel");
		return session.post("/cancel", Map.of("kind", "ORDINARY", "name", "Owner", "email", email, "orderNumber", order,
				"timing", "IMMEDIATELY", "confirmationEmail", confirmationEmail));
	}

	private PortalSession.Page withdrawFrom(PortalSession session, String order, String email, String name) {
		session.get("/withdraw");
		return session.post("/withdraw", PortalWithdrawalIntegrationTests.form(name, email, order));
	}

	private PortalSession.Page cancelEndOfTerm(String order, String email, String confirmationEmail) {
		PortalSession session = new PortalSession(port);
		session.get("/cancel");
		return session.post("/cancel", Map.of("kind", "ORDINARY", "name", "Owner", "email", email, "orderNumber", order,
				"timing", "EARLIEST", "confirmationEmail", confirmationEmail));
	}

	private PortalSession.Page withdrawFrom(String order, String email, String name) {
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		return session.post("/withdraw", PortalWithdrawalIntegrationTests.form(name, email, order));
	}

	private PortalSession.Page withdraw(String order, String email) {
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		return session.post("/withdraw", PortalWithdrawalIntegrationTests.form("Ann", email, order));
	}

	private long caseNotices(String account) {
		return noticeTypes(account).stream().filter("CASE_UPDATE"::equals).count();
	}
}
