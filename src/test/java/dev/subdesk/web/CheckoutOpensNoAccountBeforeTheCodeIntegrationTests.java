package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Checkout's "I am new here" opens the account only once the emailed code proves the address (privacy review):
 * whoever types someone else's address with a name and a country opens nothing, welcomes nobody and records no
 * event; the owner who enters the code gets the account with what was typed; an address that already has an account
 * keeps its own name and country, whatever someone typed beside it. Both answers look alike to the person typing.
 */
@SubdeskIntegrationTest
class CheckoutOpensNoAccountBeforeTheCodeIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Accounts accounts;

	@Autowired
	PlatformTransactionManager transactions;

	private static String disclosureId(String body) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"disclosureId\" value=\"(dsc_[^\"]+)\"")
			.matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return m.group(1);
	}

	/** Rows that opening an account leaves: accounts, WELCOME notices, {@code account.created} events. */
	private record Counts(long accounts, long welcomes, long created, long forAddress) {
	}

	private Counts counts(String email) {
		return new Counts(jdbc.sql("SELECT count(*) FROM accounts").query(Long.class).single(),
				jdbc.sql("SELECT count(*) FROM notices WHERE type = 'WELCOME'").query(Long.class).single(),
				jdbc.sql("SELECT count(*) FROM domain_event WHERE type = 'account.created'").query(Long.class).single(),
				jdbc.sql("SELECT count(*) FROM accounts WHERE lower(email) = lower(:email)")
					.param("email", email)
					.query(Long.class)
					.single());
	}

	private static PortalSession.Page typeAccountForm(PortalSession browser, String email, String name,
			String country, String region) {
		browser.get("/checkout/antivirus-annual");
		return browser.post("/checkout/antivirus-annual/account",
				Map.of("email", email, "name", name, "country", country, "region", region));
	}

	@Test
	void aStrangersFormWithSomeonesAddressOpensNoAccountSendsNoWelcomeAndRecordsNoEvent() {
		String victim = Fixtures.uniqueEmail();
		Counts before = counts(victim);

		PortalSession stranger = new PortalSession(port);
		PortalSession.Page sent = typeAccountForm(stranger, victim, "Stranger Danger", "DE", "");

		assertThat(sent.location()).as(sent.body()).endsWith("/portal/sign-in/code");
		assertThat(counts(victim)).as("no account, no WELCOME, no account.created before the code is entered")
			.isEqualTo(before);
		assertThat(api.get("/accounts?email=" + victim).json().path("data").size()).isZero();
		String code = dev.subdesk.testing.Mailbox.latestBodyTo(api, victim, "SIGN_IN_CODE");
		assertThat(code).as("the code goes to the address, in the server's words only").doesNotContain("Stranger");
		stranger.get("/portal/sign-in/code");
		assertThat(stranger.post("/portal/sign-in/code", Map.of("code", "000000")).status())
			.as("a wrong code opens nothing either").isEqualTo(401);
		assertThat(counts(victim)).isEqualTo(before);
	}

	@Test
	void theOwnerWhoEntersTheCodeGetsTheAccountWithTheTypedDetailsAndBuys() {
		String email = Fixtures.uniqueEmail();
		Counts before = counts(email);
		PortalSession owner = new PortalSession(port);
		typeAccountForm(owner, email, "Olive Owner", "US", "tx");

		owner.get("/portal/sign-in/code");
		PortalSession.Page signedIn = owner.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCodeTo(api, email)));
		assertThat(signedIn.location()).as("back to the checkout: " + signedIn.body())
			.endsWith("/checkout/antivirus-annual");
		Counts after = counts(email);
		assertThat(after).isEqualTo(new Counts(before.accounts() + 1, before.welcomes() + 1, before.created() + 1, 1));
		JsonNode account = api.get("/accounts?email=" + email).json().path("data").get(0);
		assertThat(account.path("name").asString()).isEqualTo("Olive Owner");
		assertThat(account.path("country").asString()).isEqualTo("US");
		assertThat(account.path("region").asString()).isEqualTo("TX");
		assertThat(account.path("email").asString()).isEqualTo(email);
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE pending_name IS NOT NULL "
				+ "AND email = lower(:email)").param("email", email).query(Long.class).single())
			.as("what was typed is erased with the used code").isZero();

		PortalSession.Page page = owner.get("/checkout/antivirus-annual");
		PortalSession.Page bought = owner.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(page.body()), "card", "tok_visa"));
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		assertThat(api.get("/accounts/" + account.path("id").asString() + "/subscriptions").json().path("data").size())
			.isOne();

		// signing out and in again with a new checkout form opens nothing more
		PortalSession again = new PortalSession(port);
		typeAccountForm(again, email, "Someone Else", "GB", "");
		again.get("/portal/sign-in/code");
		again.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCodeTo(api, email)));
		assertThat(counts(email)).isEqualTo(after);
		assertThat(api.get("/accounts/" + account.path("id").asString()).text("name")).isEqualTo("Olive Owner");
	}

	@Test
	void anAddressWithAnAccountKeepsItsNameAndCountryAfterSomeoneElsesFormAndTheAnswersLookAlike() {
		String existing = fixtures.account("IE", null);
		String email = email(existing);
		String name = api.get("/accounts/" + existing).text("name");
		Counts before = counts(email);

		PortalSession stranger = new PortalSession(port);
		PortalSession.Page taken = typeAccountForm(stranger, email, "Stranger Danger", "US", "CA");
		PortalSession.Page fresh = typeAccountForm(new PortalSession(port), Fixtures.uniqueEmail(), "Stranger Danger",
				"US", "CA");
		assertThat(taken.status()).isEqualTo(fresh.status());
		assertThat(taken.location()).isEqualTo(fresh.location());
		assertThat(counts(email)).as("neither form opened an account").isEqualTo(before);

		// the owner, in that browser, signs in to the account as it is: nothing typed is applied to it
		stranger.get("/portal/sign-in/code");
		PortalSession.Page signedIn = stranger.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCode(api, existing)));
		assertThat(signedIn.location()).endsWith("/checkout/antivirus-annual");
		JsonNode account = api.get("/accounts/" + existing).json();
		assertThat(account.path("name").asString()).isEqualTo(name);
		assertThat(account.path("country").asString()).isEqualTo("IE");
		assertThat(account.path("region").isNull() || account.path("region").isMissingNode()).isTrue();
		assertThat(counts(email)).isEqualTo(before);
	}

	@Test
	void anAccountOpenedForTheAddressMeanwhileIsTheOneTheCodeSignsInToWithNothingTypedAppliedToIt() {
		String email = Fixtures.uniqueEmail();
		PortalSession browser = new PortalSession(port);
		typeAccountForm(browser, email, "Stranger Danger", "US", "CA");
		String vouched = api.post("/accounts", Map.of("email", email, "name", "Vendor Vouched", "country", "IE"))
			.json()
			.path("id")
			.asString();
		Counts before = counts(email);

		browser.get("/portal/sign-in/code");
		PortalSession.Page signedIn = browser.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCodeTo(api, email)));
		assertThat(signedIn.location()).endsWith("/checkout/antivirus-annual");
		assertThat(counts(email)).as("no second account").isEqualTo(before);
		JsonNode account = api.get("/accounts/" + vouched).json();
		assertThat(account.path("name").asString()).isEqualTo("Vendor Vouched");
		assertThat(account.path("country").asString()).isEqualTo("IE");
		assertThat(browser.get("/checkout/antivirus-annual").status()).isEqualTo(200);
	}

	/** The rows of codes for {@code email} that keep something typed with it for a new account. */
	private long typedFor(String email) {
		return jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = lower(:email) AND (pending_email IS NOT NULL"
				+ " OR pending_name IS NOT NULL OR pending_country IS NOT NULL OR pending_region IS NOT NULL)")
			.param("email", email)
			.query(Long.class)
			.single();
	}

	/** The rows of codes that still name {@code email}, as the address or as typed. */
	private long naming(String email) {
		return jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = lower(:email)"
				+ " OR lower(pending_email) = lower(:email)")
			.param("email", email)
			.query(Long.class)
			.single();
	}

	@Test
	void whatAStrangerTypedWithAnAddressGoesWhenTheApiOpensItsAccountAndNothingOfItOutlivesTheClosure() {
		String email = Fixtures.uniqueEmail();
		typeAccountForm(new PortalSession(port), email, "Stranger Danger", "US", "CA");
		assertThat(typedFor(email)).as("waiting for the code").isOne();

		String opened = api.post("/accounts", Map.of("email", email, "name", "Vendor Vouched", "country", "IE"))
			.json()
			.path("id")
			.asString();
		assertThat(typedFor(email)).as("what the stranger typed goes as the account opens").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE account_id = :account AND email = lower(:email)")
			.param("account", opened)
			.param("email", email)
			.query(Long.class)
			.single()).as("the code, mailed to the address, is its account's").isOne();

		assertThat(api.post("/accounts/" + opened + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(naming(email)).as("nothing keeps the address after the closure").isZero();
	}

	@Test
	void aCodeStillWaitingWithAStrangersDetailsWhenTheAccountClosesLosesThemAndTheAddressWithIt() {
		String email = Fixtures.uniqueEmail();
		String opened = api.post("/accounts", Map.of("email", email, "name", "Vendor Vouched", "country", "IE"))
			.json()
			.path("id")
			.asString();
		// a code asked for as the account opened (committed after it): what was typed waits with the address
		String other = Fixtures.uniqueEmail();
		typeAccountForm(new PortalSession(port), other, "Stranger Danger", "US", "CA");
		jdbc.sql("UPDATE portal_sign_in_codes SET email = lower(:email), pending_email = :email WHERE email = lower(:other)")
			.param("email", email)
			.param("other", other)
			.update();
		assertThat(typedFor(email)).isOne();

		assertThat(api.post("/accounts/" + opened + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(typedFor(email)).as("what was typed goes with the closure").isZero();
		assertThat(naming(email)).as("and the address").isZero();
	}

	@Test
	void whatAStrangerTypedWithAnAddressGoesWhenAnAccountChangesItsEmailToItAndTheCodeIsTheAccounts() {
		String next = Fixtures.uniqueEmail();
		PortalSession stranger = new PortalSession(port);
		typeAccountForm(stranger, next, "Stranger Danger", "US", "CA");
		assertThat(typedFor(next)).as("waiting for the code").isOne();
		String account = fixtures.account("IE", null);
		String name = api.get("/accounts/" + account).text("name");

		accounts.changeEmail(account, next);

		assertThat(typedFor(next)).as("what the stranger typed goes as the email changes").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE account_id = :account AND email = lower(:email)"
				+ " AND used_at IS NULL")
			.param("account", account)
			.param("email", next)
			.query(Long.class)
			.single()).as("the code, mailed to the address, is its account's now, and live").isOne();
		// whoever reads the address's mailbox signs in to the account as it is: nothing typed is applied to it
		stranger.get("/portal/sign-in/code");
		assertThat(stranger.post("/portal/sign-in/code", Map.of("code", PortalSession.latestCodeTo(api, next)))
			.location()).endsWith("/checkout/antivirus-annual");
		JsonNode changed = api.get("/accounts/" + account).json();
		assertThat(changed.path("name").asString()).isEqualTo(name);
		assertThat(changed.path("country").asString()).isEqualTo("IE");
		assertThat(api.get("/accounts?email=" + next).json().path("data").size()).as("no account opened").isOne();
	}

	@Test
	void whatAStrangerTypesAtTheVeryMomentTheAccountOpensForTheAddressIsNotKept() {
		String email = Fixtures.uniqueEmail();
		String opened = whileUncommitted(() -> accounts.open(email, "Vendor Vouched", "IE", null).id(),
				() -> typeAccountForm(new PortalSession(port), email, "Stranger Danger", "US", "CA"));

		assertThat(typedFor(email)).as("nothing typed outlives the opening, whichever committed first").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE account_id = :account AND email = lower(:email)")
			.param("account", opened)
			.param("email", email)
			.query(Long.class)
			.single()).as("the code, mailed to the address, is its account's").isOne();
	}

	@Test
	void whatAStrangerTypesAtTheVeryMomentAnAccountChangesItsEmailToTheAddressIsNotKept() {
		String next = Fixtures.uniqueEmail();
		String account = fixtures.account("IE", null);
		whileUncommitted(() -> accounts.changeEmail(account, next).id(),
				() -> typeAccountForm(new PortalSession(port), next, "Stranger Danger", "US", "CA"));

		assertThat(typedFor(next)).as("nothing typed outlives the change, whichever committed first").isZero();
	}

	/**
	 * Runs {@code change} in a transaction on another thread and, while it is done but not committed, {@code request}:
	 * lets the change commit once the request has finished or waits for a lock, then waits for both. Answers what
	 * the change returned.
	 */
	private String whileUncommitted(Supplier<String> change, Runnable request) {
		CountDownLatch changed = new CountDownLatch(1);
		CountDownLatch commit = new CountDownLatch(1);
		// threads of their own: the common pool may have one thread on two cores, and the change holds it
		try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
			Future<String> changing = threads.submit(() -> new TransactionTemplate(transactions).execute(tx -> {
				String result = change.get();
				changed.countDown();
				await(commit);
				return result;
			}));
			await(changed);
			Future<?> requesting = threads.submit(request);
			Awaitility.await()
				.atMost(Duration.ofSeconds(30))
				.until(() -> requesting.isDone() || waitingForALock() > 0);
			commit.countDown();
			requesting.get(30, TimeUnit.SECONDS);
			return changing.get(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException | ExecutionException | TimeoutException e) {
			throw new IllegalStateException(e);
		}
	}

	private long waitingForALock() {
		return jdbc.sql("SELECT count(*) FROM pg_locks WHERE NOT granted").query(Long.class).single();
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(30, TimeUnit.SECONDS)).as("the other side went on").isTrue();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
