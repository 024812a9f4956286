package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.StandaloneServer;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The sign-in email carries a one-time link beside the code, through a real SMTP server: a link of the configured
 * public address (never the request's), with a random token the database keeps only as a hash. It cannot be
 * guessed, so strangers' wrong tries on a customer's email, which shut the codes of new devices for a day, do not
 * keep the customer out: the link signs in a new device. Opening it (a GET, as mail scanners and previews do)
 * changes nothing; its page's button (a POST with the CSRF token) signs in, once, within the code's 10 minutes, to
 * the account it was sent for.
 */
class SignInLinkIntegrationTests {

	/** The configured public address: the test talks to localhost, so a link from the Host header would show. */
	private static final String PUBLIC_URL = "http://portal.subdesk.example:8443";

	private static final Pattern LINK = Pattern
		.compile(Pattern.quote(PUBLIC_URL) + "(/portal/sign-in/link\\?t=([A-Za-z0-9_-]+))");

	private static final Pattern CODE = Pattern.compile("sign-in code is (\\d{6})");

	@RegisterExtension
	static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
		.withPerMethodLifecycle(false);

	@TempDir
	static Path dataDir;

	static StandaloneServer server;

	static Api api;

	static int port;

	@BeforeAll
	static void start() {
		server = StandaloneServer.start(dataDir, "--spring.mail.host=127.0.0.1",
				"--spring.mail.port=" + mail.getSmtp().getPort(), "--subdesk.public-base-url=" + PUBLIC_URL,
				"--subdesk.notices.delivery-interval=PT0.2S", "--subdesk.jobs.initial-delay=PT1H");
		port = server.port();
		api = server.api();
	}

	/** Before the mail server stops (an {@code @AutoClose} server would close after it). */
	@AfterAll
	static void stop() {
		if (server != null) {
			server.close();
		}
	}

	@Test
	void theLinkSignsInANewDeviceAfterStrangersMadeTwentyWrongTriesOnTheCustomersEmail() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		PortalSession one = PortalSession.from(port, "127.0.2.1");
		PortalSession two = PortalSession.from(port, "127.0.2.2");
		for (PortalSession stranger : List.of(one, one, one, two)) {
			assertThat(ask(stranger, email).status()).isEqualTo(302);
			stranger.get("/portal/sign-in/code");
			for (int i = 0; i < 5; i++) {
				assertThat(stranger.post("/portal/sign-in/code", Map.of("code", "000000")).status()).isEqualTo(401);
			}
		}
		messagesTo(email, 4);

		PortalSession device = PortalSession.from(port, "127.0.2.3");
		String typed = "  " + email.toUpperCase(java.util.Locale.ROOT) + " ";
		PortalSession.Page asked = ask(device, typed);
		assertThat(asked.status()).as("a new device asks for a code after the day's 20 wrong tries: " + asked.body())
			.isEqualTo(302);
		MimeMessage message = messagesTo(email, 5).getLast();
		assertThat(message.getRecipients(Message.RecipientType.TO)).extracting(Object::toString).containsExactly(email);
		String text = plainText(message);
		assertThat(text).as("nothing typed reaches the email").doesNotContain(email.toUpperCase(java.util.Locale.ROOT));
		Matcher link = LINK.matcher(text);
		assertThat(link.find()).as("a link of the configured public address in: " + text).isTrue();
		String token = link.group(2);
		assertThat(token).as("256 random bits, unpadded base64url").hasSize(43);
		assertThat(html(message)).contains("<a href=\"" + link.group() + "\"");
		assertThat(server.app().getBean(JdbcClient.class)
			.sql("SELECT count(*) FROM portal_sign_in_codes p WHERE row_to_json(p)::text LIKE '%' || :token || '%'")
			.param("token", token)
			.query(Long.class)
			.single()).as("only a hash of the token is stored").isZero();

		device.get("/portal/sign-in/code");
		assertThat(device.post("/portal/sign-in/code", Map.of("code", code(text))).status())
			.as("the code itself stays held to the day's ceiling").isEqualTo(401);

		PortalSession.Page page = device.get(link.group(1));
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains(email).contains("id=\"sign-in-with-link\"");
		assertThat(device.get("/portal").status()).as("opening the link alone does not sign in").isEqualTo(302);

		String sessionBefore = device.storedCookie("SESSION");
		assertThat(sessionBefore).isNotEmpty();
		PortalSession.Page signedIn = device.post("/portal/sign-in/link", Map.of("t", token));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
		assertThat(signedIn.cookie("__Host-subdesk_known_browser")).as("a known browser from now on").isPresent();
		assertThat(device.storedCookie("SESSION")).as("a new session id at sign-in").isNotEqualTo(sessionBefore);
		PortalSession.Page portal = device.get("/portal");
		assertThat(portal.status()).isEqualTo(200);
		assertThat(portal.body()).contains("Signed in as " + email);
	}

	@Test
	void openingTheLinkChangesNothingAndItSignsInOnceOnly() throws Exception {
		String account = new Fixtures(api).account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		ask(PortalSession.from(port, "127.0.3.1"), email);
		String path = linkPath(messagesTo(email, 1).getLast());

		PortalSession scanner = PortalSession.from(port, "127.0.3.2");
		for (int i = 0; i < 3; i++) {
			assertThat(scanner.get(path).status()).as("a mail scanner opens the link").isEqualTo(200);
		}
		assertThat(scanner.get("/portal").status()).isEqualTo(302);

		PortalSession customer = PortalSession.from(port, "127.0.3.3");
		customer.get(path);
		assertThat(customer.post("/portal/sign-in/link", Map.of("t", token(path), "email", email)).location())
			.endsWith("/portal");
		assertThat(customer.get("/portal").status()).isEqualTo(200);

		PortalSession again = PortalSession.from(port, "127.0.3.4");
		PortalSession.Page opened = again.get(path);
		assertThat(opened.status()).as("a used link").isEqualTo(410);
		assertThat(opened.body()).contains("This sign-in link cannot be used");
		again.get("/portal/sign-in");
		assertThat(again.post("/portal/sign-in/link", Map.of("t", token(path))).status()).isEqualTo(410);
		assertThat(again.get("/portal").status()).as("not signed in by a used link").isEqualTo(302);
		assertThat(scanner.post("/portal/sign-in/link", Map.of("t", token(path), "email", email)).status())
			.as("nor the page opened before it was used").isEqualTo(410);

		PortalSession.Page unknown = again.get("/portal/sign-in/link?t=" + "A".repeat(43));
		assertThat(unknown.status()).isEqualTo(410);
		assertThat(withoutCsrf(unknown.body())).as("one page for an unknown and a used link").isEqualTo(withoutCsrf(opened.body()));
		for (String junk : List.of("", "x", "A".repeat(5000), token(path) + "A")) {
			assertThat(again.get("/portal/sign-in/link?t=" + junk).status()).as(junk).isEqualTo(410);
		}
		assertThat(again.get("/portal/sign-in/link").status()).isEqualTo(410);
	}

	@Test
	void anExpiredLinkIsRefused() throws Exception {
		String account = new Fixtures(api).account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		ask(PortalSession.from(port, "127.0.4.1"), email);
		String path = linkPath(messagesTo(email, 1).getLast());
		PortalSession customer = PortalSession.from(port, "127.0.4.2");
		assertThat(customer.get(path).status()).isEqualTo(200);

		new Fixtures(api).advance(Duration.ofMinutes(10).plusSeconds(1));

		assertThat(customer.post("/portal/sign-in/link", Map.of("t", token(path), "email", email)).status())
			.isEqualTo(410);
		assertThat(customer.get("/portal").status()).isEqualTo(302);
		assertThat(customer.get(path).status()).isEqualTo(410);
	}

	@Test
	void aLinkSignsInOnlyToTheAccountItWasSentFor() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String mine = fixtures.account("IE", null);
		String myEmail = api.get("/accounts/" + mine).text("email");
		String theirs = fixtures.account("IE", null);
		String theirEmail = api.get("/accounts/" + theirs).text("email");

		// a browser that asked for the other account's code: the link signs in to the link's account all the same
		PortalSession browser = PortalSession.from(port, "127.0.5.1");
		ask(browser, theirEmail);
		ask(PortalSession.from(port, "127.0.5.2"), myEmail);
		String path = linkPath(messagesTo(myEmail, 1).getLast());
		String tampered = token(path).substring(0, 42) + (token(path).endsWith("A") ? "B" : "A");

		browser.get("/portal/sign-in/code");
		assertThat(browser.post("/portal/sign-in/link", Map.of("t", tampered, "email", myEmail)).status())
			.as("a changed token").isEqualTo(410);
		browser.get("/portal/sign-in/code");
		assertThat(browser.post("/portal/sign-in/link", Map.of("t", token(path), "email", theirEmail)).status())
			.as("the address of the browser's own code is not the link's").isEqualTo(400);
		assertThat(browser.post("/portal/sign-in/link", Map.of("t", token(path), "email", myEmail)).location())
			.endsWith("/portal");
		String portal = browser.get("/portal").body();
		assertThat(portal).contains("Signed in as " + myEmail).doesNotContain(theirEmail);

		// an address changed after the link was sent ends the link with the codes sent there
		ask(PortalSession.from(port, "127.0.5.3"), theirEmail);
		String theirPath = linkPath(messagesTo(theirEmail, 2).getLast());
		server.app().getBean(dev.subdesk.accounts.Accounts.class).changeEmail(theirs, Fixtures.uniqueEmail());
		assertThat(PortalSession.from(port, "127.0.5.4").get(theirPath).status()).isEqualTo(410);
	}

	@Test
	void theLinksButtonRefusesAPostWithoutTheCsrfToken() throws Exception {
		String account = new Fixtures(api).account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		ask(PortalSession.from(port, "127.0.6.1"), email);
		String path = linkPath(messagesTo(email, 1).getLast());

		PortalSession customer = PortalSession.from(port, "127.0.6.2");
		assertThat(customer.get(path).status()).isEqualTo(200);
		assertThat(customer.postWithoutToken("/portal/sign-in/link", Map.of("t", token(path))).status()).isEqualTo(403);
		assertThat(customer.postWithToken("forged", "/portal/sign-in/link", Map.of("t", token(path))).status())
			.isEqualTo(403);
		assertThat(customer.get("/portal").status()).as("not signed in").isEqualTo(302);

		customer.get(path);
		assertThat(customer.post("/portal/sign-in/link", Map.of("t", token(path), "email", email)).location())
			.as("the refused posts did not use the link").endsWith("/portal");
	}

	/**
	 * Sign-in forgery: whoever asks for a code for their own address and sends the link to someone must not get that
	 * person signed in to the sender's account by one click (a card saved there would be the sender's to use). In
	 * another browser than the one that asked, the page does not show the address and signs in only once the address
	 * the link went to is typed; a wrong or missing one keeps the link. The browser that asked signs in by the button.
	 */
	@Test
	void aLinkOpenedInAnotherBrowserSignsInOnlyWithTheAddressItWentTo() throws Exception {
		String account = new Fixtures(api).account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		PortalSession sender = PortalSession.from(port, "127.0.7.1");
		ask(sender, email);
		String path = linkPath(messagesTo(email, 1).getLast());

		PortalSession other = PortalSession.from(port, "127.0.7.2");
		PortalSession.Page page = other.get(path);
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).as("the address is not shown in another browser").doesNotContain(email)
			.contains("type the email address the link was sent to").contains("name=\"email\"");
		PortalSession.Page clicked = other.post("/portal/sign-in/link", Map.of("t", token(path)));
		assertThat(clicked.status()).as("one click does not sign in another browser").isEqualTo(400);
		assertThat(other.post("/portal/sign-in/link", Map.of("t", token(path), "email", "someone@example.com"))
			.body()).contains("This is not the address the link was sent to");
		assertThat(other.get("/portal").status()).as("not signed in").isEqualTo(302);

		PortalSession.Page own = sender.get(path);
		assertThat(own.body()).as("the browser that asked sees the address and one button").contains(email)
			.doesNotContain("name=\"email\"");
		assertThat(sender.post("/portal/sign-in/link", Map.of("t", token(path))).location())
			.as("the refused posts kept the link").endsWith("/portal");
		assertThat(sender.get("/portal").body()).contains("Signed in as " + email);
	}

	/**
	 * A one-time code notice's text lives in the database only until the mail server took it: the code and the link
	 * are in the customer's mailbox, not in a row that a backup or a reader of the database would show while they
	 * are valid. Both still sign in; the account's other notices keep their text.
	 */
	@Test
	void aSentSignInEmailLeavesNeitherCodeNorLinkInTheDatabaseAndBothStillSignIn() throws Exception {
		String account = new Fixtures(api).account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		PortalSession byCode = PortalSession.from(port, "127.0.8.1");
		PortalSession byLink = PortalSession.from(port, "127.0.8.2");
		ask(byCode, email);
		ask(byLink, email);
		List<MimeMessage> received = messagesTo(email, 2);
		JdbcClient jdbc = server.app().getBean(JdbcClient.class);
		await("both sign-in notices marked sent").atMost(Duration.ofSeconds(20))
			.until(() -> jdbc.sql("""
					SELECT count(*) FROM notices WHERE account_id = :a AND type = 'SIGN_IN_CODE' AND sent_at IS NOT NULL
					""").param("a", account).query(Long.class).single() == 2);

		assertThat(jdbc.sql("SELECT body FROM notices WHERE account_id = :a AND type = 'SIGN_IN_CODE'")
			.param("a", account)
			.query(String.class)
			.list()).as("no code and no link left in the database once sent").hasSize(2).containsOnlyNulls();
		await("the welcome marked sent").atMost(Duration.ofSeconds(20))
			.until(() -> jdbc.sql("SELECT sent_at IS NOT NULL FROM notices WHERE account_id = :a AND type = 'WELCOME'")
				.param("a", account).query(Boolean.class).single());
		assertThat(jdbc.sql("SELECT body FROM notices WHERE account_id = :a AND type = 'WELCOME'")
			.param("a", account)
			.query(String.class)
			.single()).as("another notice keeps its text once sent").isNotBlank();

		byCode.get("/portal/sign-in/code");
		PortalSession.Page signedIn = byCode.post("/portal/sign-in/code", Map.of("code", code(plainText(received.get(0)))));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
		assertThat(byCode.get("/portal").body()).contains("Signed in as " + email);
		String path = linkPath(received.get(1));
		assertThat(byLink.get(path).status()).isEqualTo(200);
		assertThat(byLink.post("/portal/sign-in/link", Map.of("t", token(path))).location()).endsWith("/portal");
		assertThat(byLink.get("/portal").body()).contains("Signed in as " + email);
	}

	/**
	 * Checkout's "I am new here" opens no account until the address is proven: the email to an address without an
	 * account carries the code and a link too, and the link in the browser that typed the form opens the account with
	 * what was typed there and carries on to the checkout.
	 */
	@Test
	void aCheckoutsLinkOpensTheNewAccountInTheBrowserThatAskedAndCarriesOnToTheCheckout() throws Exception {
		String email = Fixtures.uniqueEmail();
		PortalSession buyer = PortalSession.from(port, "127.0.8.1");
		buyer.get("/checkout/antivirus-annual");
		assertThat(buyer.post("/checkout/antivirus-annual/account",
				Map.of("email", email, "name", "Linda Link", "country", "US", "region", "ny")).location())
			.endsWith("/portal/sign-in/code");
		MimeMessage message = messagesTo(email, 1).getLast();
		assertThat(plainText(message)).contains("It is opened only when the code or the link is used")
			.doesNotContain("Linda");
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).isZero();

		String path = linkPath(message);
		PortalSession.Page page = buyer.get(path);
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("Open the Acme account for " + email).doesNotContain("name=\"name\"");
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).as("opening the page opens nothing")
			.isZero();
		PortalSession.Page signedIn = buyer.post("/portal/sign-in/link", Map.of("t", token(path)));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/checkout/antivirus-annual");
		tools.jackson.databind.JsonNode account = api.get("/accounts?email=" + email).json().path("data").get(0);
		assertThat(account.path("name").asString()).isEqualTo("Linda Link");
		assertThat(account.path("region").asString()).isEqualTo("NY");
		assertThat(buyer.get("/checkout/antivirus-annual").body()).contains("id=\"subscribe\"");
		assertThat(buyer.get(path).status()).as("used").isEqualTo(410);
	}

	/**
	 * The link of a stranger's checkout form opened by the address's owner in another browser: the page shows nothing
	 * the stranger typed and asks for the address, the name and the country; the account is opened with what the owner
	 * types, never with the stranger's name and country, and the stranger's browser can do nothing with it.
	 */
	@Test
	void aCheckoutsLinkInAnotherBrowserOpensTheAccountOnlyWithWhatIsTypedThere() throws Exception {
		String email = Fixtures.uniqueEmail();
		PortalSession stranger = PortalSession.from(port, "127.0.9.1");
		stranger.get("/checkout/antivirus-annual");
		stranger.post("/checkout/antivirus-annual/account",
				Map.of("email", email, "name", "Stranger Sam", "country", "US", "region", "CA"));
		String path = linkPath(messagesTo(email, 1).getLast());

		PortalSession owner = PortalSession.from(port, "127.0.9.2");
		PortalSession.Page page = owner.get(path);
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).doesNotContain("Stranger").doesNotContain(email)
			.contains("To open your Acme account here", "name=\"email\"", "name=\"name\"", "name=\"country\"");
		PortalSession.Page addressOnly = owner.post("/portal/sign-in/link", Map.of("t", token(path), "email", email));
		assertThat(addressOnly.status()).isEqualTo(400);
		assertThat(addressOnly.body()).contains("Enter your email address, your name").doesNotContain("Stranger");
		PortalSession.Page wrong = owner.post("/portal/sign-in/link",
				Map.of("t", token(path), "email", "someone@example.com", "name", "Olive Owner", "country", "IE"));
		assertThat(wrong.body()).contains("This is not the address the link was sent to");
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).isZero();

		PortalSession.Page signedIn = owner.post("/portal/sign-in/link",
				Map.of("t", token(path), "email", email, "name", "Olive Owner", "country", "IE", "region", ""));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
		tools.jackson.databind.JsonNode account = api.get("/accounts?email=" + email).json().path("data").get(0);
		assertThat(account.path("name").asString()).isEqualTo("Olive Owner");
		assertThat(account.path("country").asString()).isEqualTo("IE");
		assertThat(owner.get("/portal").body()).contains("Signed in as " + email);

		stranger.get("/portal/sign-in/code");
		assertThat(stranger.post("/portal/sign-in/code", Map.of("code", code(plainText(messagesTo(email, 1).getLast()))))
			.status()).as("the code went with its link").isEqualTo(401);
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).isOne();
		assertThat(server.app().getBean(JdbcClient.class)
			.sql("SELECT count(*) FROM portal_sign_in_codes WHERE pending_name IS NOT NULL AND email = lower(:email)")
			.param("email", email)
			.query(Long.class)
			.single()).as("the stranger's words are erased with the used code").isZero();
	}

	private static PortalSession.Page ask(PortalSession browser, String email) {
		browser.get("/portal/sign-in");
		return browser.post("/portal/sign-in", Map.of("email", email));
	}

	private static String linkPath(MimeMessage message) throws Exception {
		Matcher m = LINK.matcher(plainText(message));
		assertThat(m.find()).as("a sign-in link in the email").isTrue();
		return m.group(1);
	}

	private static String token(String path) {
		return path.substring(path.indexOf("?t=") + 3);
	}

	private static String code(String text) {
		Matcher m = CODE.matcher(text);
		assertThat(m.find()).isTrue();
		return m.group(1);
	}

	private static String withoutCsrf(String body) {
		return body.replaceAll("name=\"_csrf\" value=\"[^\"]+\"", "");
	}

	/** The sign-in emails to {@code address} once there are at least {@code count}, in the order they came. */
	private static List<MimeMessage> messagesTo(String address, int count) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			List<MimeMessage> to = Arrays.stream(mail.getReceivedMessages()).filter(m -> sentTo(m, address))
				.filter(SignInLinkIntegrationTests::signInEmail)
				.toList();
			if (to.size() >= count) {
				assertThat(to).hasSize(count);
				return to;
			}
			mail.waitForIncomingEmail(200, mail.getReceivedMessages().length + 1);
		}
		throw new AssertionError("fewer than " + count + " emails to " + address);
	}

	private static boolean signInEmail(MimeMessage message) {
		try {
			return "Your Acme sign-in code".equals(message.getSubject());
		}
		catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static boolean sentTo(MimeMessage message, String address) {
		try {
			return Arrays.stream(message.getAllRecipients()).anyMatch(r -> r.toString().equalsIgnoreCase(address));
		}
		catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static String plainText(MimeMessage message) throws Exception {
		MimeMultipart parts = (MimeMultipart) message.getContent();
		return parts.getBodyPart(0).getContent().toString().replace("\r\n", "\n");
	}

	private static String html(MimeMessage message) throws Exception {
		MimeMultipart parts = (MimeMultipart) message.getContent();
		return parts.getBodyPart(1).getContent().toString();
	}
}
