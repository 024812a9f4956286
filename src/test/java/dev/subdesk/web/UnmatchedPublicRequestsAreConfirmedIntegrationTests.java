package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.subdesk.SubdeskApplication;
import dev.subdesk.intake.PublicRequestRetention;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A public cancellation or withdrawal that names no contract it can act on is still confirmed at once by email
 * (R-DE-5; the acknowledgement of a withdrawal sent with the online form), through a real SMTP server: to the
 * address given, in the language of the page, with the time of receipt and the choices made, saying that nothing
 * was ended and how to try again, with nothing typed in it (DESIGN invariant 13). The confirmation is in no
 * account's list, and loses its address when that address's holder closes their account or after the request's
 * 90 days.
 */
class UnmatchedPublicRequestsAreConfirmedIntegrationTests {

	@RegisterExtension
	static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

	@TempDir
	static Path dataDir;

	static ConfigurableApplicationContext app;

	static Api api;

	static int port;

	private final String token = UUID.randomUUID().toString().substring(0, 8);

	private final String typedName = "Call +1 555 0100 " + token;

	@BeforeAll
	static void start() {
		app = new SpringApplicationBuilder(SubdeskApplication.class).run("--server.port=0",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir, "--subdesk.clock.test-clock=true",
				"--spring.mail.host=127.0.0.1", "--spring.mail.port=" + ServerSetupTest.SMTP.getPort(),
				"--subdesk.notices.delivery-interval=PT0.2S", "--subdesk.jobs.initial-delay=PT1H",
				"--logging.level.root=WARN");
		port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
		api = new Api(port);
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@Test
	void aCancellationThatMatchesNoContractIsConfirmedAtOnceInTheServersWordsAndEndsNothing() throws Exception {
		String confirmation = "confirm-" + token + "@example.com";
		String unknownOrder = "ORD-" + token;

		post("/cancel", "en-GB,en", Map.of("kind", "EXTRAORDINARY", "reason", "Refund desk: call 555-0100 " + token,
				"name", typedName, "email", "someone-" + token + "@example.com", "orderNumber", unknownOrder, "timing",
				"EARLIEST", "confirmationEmail", confirmation));

		MimeMessage message = onlyMessageTo(confirmation);
		assertThat(message.getSubject()).isEqualTo("We received your cancellation request");
		assertThat(message.getRecipients(Message.RecipientType.TO)).extracting(Object::toString).containsExactly(confirmation);
		String text = plainText(message);
		assertThat(text).contains("Cancel contracts here")
			.containsPattern("Received: \\d{1,2} \\w+ \\d{4} at \\d{2}:\\d{2}:\\d{2} UTC")
			.contains("Type: extraordinary")
			.contains("When: immediately") // an extraordinary cancellation is always immediate
			.contains("Nothing was cancelled")
			.contains("no end date to confirm")
			.contains("starts with ORD-")
			.contains("No phone call is ever needed")
			.contains("the email addresses and the reason given in the form are kept")
			.contains("How to cancel:"); // the footer with the official channels
		assertThat(text).as("nothing typed (name, reason, order number) reaches the address typed").doesNotContain(token);
		assertThat(stored(confirmation)).as("one notice, of no account").containsExactly("CANCELLATION_REQUEST_RECEIVED:null");
	}

	@Test
	void onAGermanPageTheConfirmationIsGermanAndAWithdrawalIsAcknowledgedToo() throws Exception {
		String confirmation = "bestaetigung-" + token + "@example.com";
		String withdrawing = "widerruf-" + token + "@example.com";

		post("/cancel", "de-AT,de;q=0.9", Map.of("kind", "ORDINARY", "name", typedName, "email", confirmation,
				"orderNumber", "ORD-0000-0000", "timing", "EARLIEST", "confirmationEmail", confirmation));
		post("/withdraw", "de-DE,de", PortalWithdrawalIntegrationTests.form(typedName, withdrawing, "ORD-0000-0000"));

		MimeMessage cancellation = onlyMessageTo(confirmation);
		assertThat(cancellation.getSubject()).isEqualTo("Wir haben Ihre Kündigung erhalten");
		assertThat(plainText(cancellation)).contains("Verträge hier kündigen")
			.contains("Art: ordentlich")
			.contains("Wann: zum frühestmöglichen Zeitpunkt")
			.contains("Damit wurde nichts gekündigt")
			.containsPattern("Eingegangen: \\d{1,2}\\. \\S+ \\d{4}")
			.contains("So kündigen Sie:");
		MimeMessage withdrawal = onlyMessageTo(withdrawing);
		assertThat(withdrawal.getSubject()).isEqualTo("Wir haben Ihren Widerruf erhalten");
		assertThat(plainText(withdrawal)).contains("Damit wurde kein Vertrag beendet")
			.contains("innerhalb der Widerrufsfrist")
			.doesNotContain(token);
		assertThat(stored(withdrawing)).containsExactly("WITHDRAWAL_ACKNOWLEDGEMENT:null");
	}

	@Test
	void aRequestThatEndsTheContractGetsItsOneConfirmationAndNoUnmatchedOne() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		String order = fixtures.subscription(fixtures.subscribe(account, "antivirus-annual")).text("orderNumber");

		post("/cancel", "en", Map.of("kind", "ORDINARY", "name", "Ann Owner", "email", email, "orderNumber", order,
				"timing", "EARLIEST", "confirmationEmail", email));

		assertThat(stored(email)).as("no confirmation of no account when the request matched")
			.noneMatch(n -> n.endsWith(":null"))
			.contains("CANCELLATION_REQUEST_RECEIVED:" + account);
	}

	/**
	 * A contract an app store bills cannot be cancelled with the form: its owner's request (the order number with its
	 * account's email) is told so, with the store's steps, and not to send the form again; the case it opens tells
	 * the holder the same beside the usual footer. Only server text: nothing typed reaches the address typed.
	 */
	@Test
	void theOwnersRequestForAStoreBilledContractIsToldToCancelInTheStoreNotToSendTheFormAgain() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.account("US", null);
		String email = api.get("/accounts/" + account).text("email");
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "channel", "APP_STORE"));
		assertThat(store.status()).as(store.toString()).isEqualTo(201);
		String order = store.text("orderNumber");
		String confirmation = "store-" + token + "@example.com";

		post("/cancel", "en", Map.of("kind", "ORDINARY", "name", typedName, "email", email, "orderNumber", order,
				"timing", "EARLIEST", "confirmationEmail", confirmation));

		MimeMessage message = onlyMessageTo(confirmation);
		assertThat(message.getSubject()).isEqualTo("We received your cancellation request");
		String text = plainText(message);
		assertThat(text).contains("Type: ordinary")
			.contains("Nothing was cancelled")
			.contains("the contract named in the form is billed by the App Store, not by Acme, so neither this form "
					+ "nor Acme can cancel it: only the App Store can.")
			.contains("How to cancel: this subscription is billed by the App Store, not by Acme, and only the App "
					+ "Store can cancel it:")
			.contains("- Choose Cancel subscription and confirm.")
			.contains("Official Acme support:");
		assertThat(text).as("not told to send the form again, nor sent back to it")
			.doesNotContain("send the form again")
			.doesNotContain("/cancel");
		assertThat(text).as("nothing typed (name, order number) reaches the address typed")
			.doesNotContain(token)
			.doesNotContain(order);
		assertThat(stored(confirmation)).containsExactly("CANCELLATION_REQUEST_RECEIVED:null");

		String caseUpdate = app.getBean(JdbcClient.class).sql("""
				SELECT n.body || coalesce(f.text, '') FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE n.account_id = :account AND n.type = 'CASE_UPDATE'""").param("account", account)
			.query(String.class)
			.single();
		assertThat(caseUpdate).as("a notice about the account: the usual footer and the store's line")
			.contains("How to cancel: sign in at ")
			.contains("A subscription billed by the App Store is cancelled in the store, not at Acme: Open the App "
					+ "Store on the device")
			.contains("Official Acme support:");
	}

	@Test
	void aStrangersRequestForAStoreBilledContractIsToldNothingAboutIt() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.account("US", null);
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "channel", "GOOGLE_PLAY"));
		String confirmation = "stranger-store-" + token + "@example.com";

		post("/cancel", "en", Map.of("kind", "ORDINARY", "name", typedName, "email", confirmation, "orderNumber",
				store.text("orderNumber"), "timing", "EARLIEST", "confirmationEmail", confirmation));

		String text = plainText(onlyMessageTo(confirmation));
		assertThat(text).contains("send the form again").doesNotContain("Google Play").doesNotContain("billed by");
	}

	@Test
	void theConfirmationLosesItsAddressWhenItsHolderClosesTheirAccountOrAfterNinetyDays() throws Exception {
		Fixtures fixtures = new Fixtures(api);
		String holder = fixtures.account();
		String holdersEmail = api.get("/accounts/" + holder).text("email");
		String stranger = "stranger-" + token + "@example.com";
		post("/cancel", "en", Map.of("kind", "ORDINARY", "name", typedName, "email", stranger, "orderNumber",
				"ORD-0000-0000", "timing", "EARLIEST", "confirmationEmail", holdersEmail));
		post("/withdraw", "en", PortalWithdrawalIntegrationTests.form(typedName, stranger, "ORD-0000-0000"));
		onlyMessageTo(stranger);
		assertThat(stored(holdersEmail)).contains("CANCELLATION_REQUEST_RECEIVED:null");

		assertThat(api.post("/accounts/" + holder + "/close").status()).isEqualTo(200);
		assertThat(stored(holdersEmail)).as("erased with the account of the address it went to, as its own notices")
			.isEmpty();

		PublicRequestRetention retention = app.getBean(PublicRequestRetention.class);
		Clock clock = app.getBean(Clock.class);
		retention.erase(clock.instant().plus(Duration.ofDays(89)));
		assertThat(stored(stranger)).as("kept as long as the request").hasSize(1);
		new Fixtures(api).advance(Duration.ofDays(91));
		// the hourly job itself, as the scheduler calls it
		org.springframework.test.util.ReflectionTestUtils.invokeMethod(retention, "purge");
		assertThat(stored(stranger)).as("erased with what was typed into the request").isEmpty();
		assertThat(app.getBean(JdbcClient.class)
			.sql("SELECT count(*) FROM notices WHERE account_id IS NULL AND recipient = 'erased@invalid' AND body IS NULL")
			.query(Long.class)
			.single()).as("the notice itself stays, without address or body").isPositive();
	}

	private void post(String form, String languages, Map<String, String> fields) {
		PortalSession session = new PortalSession(port, languages);
		session.get(form);
		PortalSession.Page posted = session.post(form, fields);
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
	}

	/** The notices stored for {@code email} as {@code type:account}. */
	private List<String> stored(String email) {
		return app.getBean(JdbcClient.class)
			.sql("SELECT type || ':' || coalesce(account_id, 'null') FROM notices WHERE lower(recipient) = lower(:email)")
			.param("email", email)
			.query(String.class)
			.list();
	}

	private static MimeMessage onlyMessageTo(String address) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			List<MimeMessage> to = Arrays.stream(mail.getReceivedMessages()).filter(m -> sentTo(m, address)).toList();
			if (!to.isEmpty()) {
				assertThat(to).hasSize(1);
				return to.getFirst();
			}
			mail.waitForIncomingEmail(200, mail.getReceivedMessages().length + 1);
		}
		throw new AssertionError("no email to " + address);
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
}
