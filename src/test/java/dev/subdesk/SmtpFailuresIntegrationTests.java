package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.MailingServer;
import dev.subdesk.testing.ScriptedSmtpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import tools.jackson.databind.JsonNode;

/**
 * A mail server that refuses, stalls or hangs costs only the messages concerned: a recipient refused for good
 * fails its own notice with the reason, a busy one is retried later, neither holds back the others, and a server
 * that accepts connections and never answers holds up neither the renewals nor the health check.
 */
class SmtpFailuresIntegrationTests {

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	@TempDir
	static Path dataDir;

	static ScriptedSmtpServer smtp;

	static MailingServer server;

	static ConfigurableApplicationContext app;

	static Api api;

	static Fixtures fixtures;

	@BeforeAll
	static void start() {
		smtp = new ScriptedSmtpServer();
		server = MailingServer.start(dataDir, smtp,
				// a read timeout longer than the test, so that a silent server holds the delivery for all of it
				"--spring.mail.properties.mail.smtp.timeout=120000",
				"--subdesk.jobs.interval=PT0.5S", "--subdesk.jobs.initial-delay=PT0.5S");
		app = server.app();
		api = server.api();
		fixtures = new Fixtures(api);
	}

	@AfterAll
	static void stop() {
		MailingServer.stop(server, smtp);
	}

	@Test
	void aRecipientRefusedForGoodFailsItsOwnNoticeWithTheReasonAndLaterNoticesAreSent() {
		String refusedEmail = "refused-" + Fixtures.uniqueEmail();
		smtp.refuseForGood(refusedEmail);
		String refused = account(refusedEmail);
		String laterEmail = Fixtures.uniqueEmail();
		String later = account(laterEmail);

		await("the later notice delivered").atMost(PATIENCE).until(() -> smtp.delivered().contains(laterEmail));
		await("the refused notice failed").atMost(PATIENCE)
			.until(() -> "FAILED".equals(welcome(refused).path("deliveryStatus").asString()));

		JsonNode failed = welcome(refused);
		assertThat(failed.path("deliveryError").asString()).contains("550").contains("mailbox unavailable")
			.doesNotContain(refusedEmail);
		assertThat(failed.path("sentAt").isNull()).isTrue();
		await("the later notice marked sent").atMost(PATIENCE)
			.until(() -> "SENT".equals(welcome(later).path("deliveryStatus").asString()));
		assertThat(welcome(later).path("sentAt").isString()).isTrue();
		assertThat(welcome(later).path("deliveryError").isNull()).isTrue();
		assertThat(smtp.delivered()).doesNotContain(refusedEmail);

		// re-deliveries get the same treatment: the refused one fails, the other goes out
		Notices notices = app.getBean(Notices.class);
		notices.redeliver(notices.find(refused, NoticeType.WELCOME, refused).orElseThrow(), refusedEmail, "agent");
		notices.redeliver(notices.find(later, NoticeType.WELCOME, later).orElseThrow(), laterEmail, "agent");
		await("the other re-delivery sent").atMost(PATIENCE)
			.until(() -> smtp.delivered().stream().filter(laterEmail::equals).count() == 2);
		JdbcClient jdbc = app.getBean(JdbcClient.class);
		await("the refused re-delivery failed").atMost(PATIENCE).until(() -> jdbc
			.sql("SELECT count(*) FROM notice_redeliveries WHERE recipient = :to AND failed_at IS NOT NULL AND sent_at IS NULL"
					+ " AND last_error LIKE '550%'")
			.param("to", refusedEmail)
			.query(Long.class)
			.single() == 1);
	}

	/**
	 * A mail server's answer may quote the address in a form the removal of the exact recipient misses (here its
	 * local part): closing the account erases the answer with the address, and the notice still reads as failed.
	 */
	@Test
	void closingTheAccountErasesTheMailServersAnswerOfItsFailedNotices() {
		String email = "quoted-" + Fixtures.uniqueEmail();
		String localPart = email.substring(0, email.indexOf('@'));
		smtp.refuseForGood(email);
		String account = account(email);
		await("the welcome failed").atMost(PATIENCE)
			.until(() -> "FAILED".equals(welcome(account).path("deliveryStatus").asString()));
		JdbcClient jdbc = app.getBean(JdbcClient.class);
		// as a server quoting the local part would have it stored, on the notice and on a failed re-delivery
		jdbc.sql("UPDATE notices SET delivery_error = :error WHERE account_id = :account")
			.param("error", "550 5.1.1 <" + localPart + ">: user unknown").param("account", account).update();
		jdbc.sql("""
				INSERT INTO notice_redeliveries (notice_id, recipient, requested_by, requested_at, failed_at, last_error)
				SELECT id, :to, 'agent', now(), now(), :error FROM notices WHERE account_id = :account""")
			.param("to", email).param("error", "550 5.1.1 <" + localPart + ">: user unknown").param("account", account)
			.update();

		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		JsonNode failed = welcome(account);
		assertThat(failed.path("deliveryStatus").asString()).isEqualTo("FAILED");
		assertThat(failed.path("deliveryError").asString()).doesNotContain(localPart)
			.isEqualTo("the mail server's answer was erased with the address");
		assertThat(jdbc.sql("""
				SELECT r.last_error FROM notice_redeliveries r JOIN notices n ON n.id = r.notice_id
				WHERE n.account_id = :account""").param("account", account).query(String.class).list())
			.singleElement().isEqualTo("the mail server's answer was erased with the address");
	}

	/**
	 * A notice still waiting in the outbox at the closure keeps its address there until it is sent or fails for good;
	 * a refusal that comes after the closure is not written back onto the erased notice.
	 */
	@Test
	void aRefusalAfterTheClosureIsNotWrittenOntoTheErasedNotice() {
		String email = "late-" + Fixtures.uniqueEmail();
		smtp.keepBusy(email);
		String account = account(email);
		await("a first attempt refused for now").atMost(PATIENCE).until(() -> smtp.busyReplies(email) >= 1);
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		smtp.refuseForGood(email);
		smtp.free(email);
		await("the welcome failed for good").atMost(PATIENCE)
			.until(() -> "FAILED".equals(welcome(account).path("deliveryStatus").asString()));

		assertThat(welcome(account).path("deliveryError").asString())
			.isEqualTo("the mail server's answer was erased with the address");
	}

	@Test
	void aStoredRecipientThatAHeaderReadsAsANameOrAListFailsForGoodAndReachesNoMailbox() {
		String ownEmail = Fixtures.uniqueEmail();
		String own = account(ownEmail);
		await("the welcome sent").atMost(PATIENCE).until(() -> smtp.delivered().contains(ownEmail));
		String bystander = Fixtures.uniqueEmail();
		String other = Fixtures.uniqueEmail();
		Notices notices = app.getBean(Notices.class);
		// as stored before addresses were checked strictly: a name beside someone's address, or two addresses
		for (String header : List.of("Call 555-0100 now <" + bystander + ">", bystander + ", " + other)) {
			notices.redeliver(notices.find(own, NoticeType.WELCOME, own).orElseThrow(), header, "agent");
		}
		JdbcClient jdbc = app.getBean(JdbcClient.class);
		await("both failed for good").atMost(PATIENCE).until(() -> jdbc.sql("""
				SELECT count(*) FROM notice_redeliveries WHERE recipient LIKE :like AND failed_at IS NOT NULL
				  AND sent_at IS NULL AND last_error LIKE '%not one plain email address%'""")
			.param("like", "%" + bystander + "%")
			.query(Long.class)
			.single() == 2);
		assertThat(smtp.delivered()).doesNotContain(bystander, other);
	}

	@Test
	void aBusyMailboxGetsItsNoticeOnALaterAttemptWithoutHoldingBackOthers() {
		String busyEmail = "busy-" + Fixtures.uniqueEmail();
		smtp.keepBusy(busyEmail);
		String busy = account(busyEmail);
		await("a first attempt refused for now").atMost(PATIENCE).until(() -> smtp.busyReplies(busyEmail) >= 1);

		String otherEmail = Fixtures.uniqueEmail();
		account(otherEmail);
		await("the other notice delivered while the busy one waits").atMost(PATIENCE)
			.until(() -> smtp.delivered().contains(otherEmail));
		assertThat(welcome(busy).path("deliveryStatus").asString()).isEqualTo("PENDING");
		assertThat(welcome(busy).path("deliveryError").isNull()).isTrue();
		await("retried").atMost(PATIENCE).until(() -> smtp.busyReplies(busyEmail) >= 2);

		smtp.free(busyEmail);
		await("the busy notice delivered at last").atMost(PATIENCE)
			.until(() -> "SENT".equals(welcome(busy).path("deliveryStatus").asString()));
		assertThat(smtp.delivered()).containsSubsequence(otherEmail, busyEmail);
		assertThat(welcome(busy).path("deliveryError").isNull()).isTrue();
	}

	@Test
	void aMailServerThatAcceptsAndNeverAnswersHoldsUpNeitherRenewalsNorTheHealthCheck() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-monthly");
		Instant renewal = Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"));
		// to an hour before the renewal (its reminder included), so that moving on to it stays within the retries
		fixtures.advance(Duration.between(Instant.parse(api.get("/test-clock").text("now")), renewal).minusHours(1));
		await("the notices so far sent").atMost(PATIENCE).until(() -> notices(account).stream()
			.allMatch(n -> n.path("sentAt").isString()));

		smtp.hang();
		try {
			String stuckEmail = Fixtures.uniqueEmail();
			String stuck = account(stuckEmail);
			await("delivery waiting on a silent server").atMost(PATIENCE).until(() -> smtp.silentConnections() >= 1);

			app.getBean(TestClock.class).moveTo(renewal.plusSeconds(60));

			await("the scheduler renews the subscription").atMost(PATIENCE)
				.until(() -> Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd")).isAfter(renewal)
						&& api.get("/accounts/" + account + "/charges").json().path("data").size() == 2);
			HttpResponse<String> health = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create(api.base() + "/actuator/health")).timeout(Duration.ofSeconds(10))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(tools.jackson.databind.json.JsonMapper.builder().build().readTree(health.body()).path("status")
				.asString()).isEqualTo("UP");
			assertThat(welcome(stuck).path("deliveryStatus").asString()).isEqualTo("PENDING");
			assertThat(smtp.delivered()).doesNotContain(stuckEmail);
			assertThat(smtp.silentConnections()).isPositive();

			smtp.answerAgain();
			await("the stuck notice sent once the server answers").atMost(PATIENCE)
				.until(() -> "SENT".equals(welcome(stuck).path("deliveryStatus").asString()));
		}
		finally {
			smtp.answerAgain();
		}
		// the SMTP timeouts every deployment gets (the read timeout is this test's own)
		Properties smtpSettings = app.getBean(JavaMailSenderImpl.class).getJavaMailProperties();
		assertThat(smtpSettings).containsEntry("mail.smtp.connectiontimeout", "10000")
			.containsEntry("mail.smtp.writetimeout", "30000");
	}

	private static String account(String email) {
		Api.Response created = api.post("/accounts", Map.of("email", email, "name", "Test Customer", "country", "DE"));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.id();
	}

	private static java.util.List<JsonNode> notices(String account) {
		return api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream().toList();
	}

	private static JsonNode welcome(String account) {
		return notices(account).stream()
			.filter(n -> "WELCOME".equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No WELCOME notice for " + account));
	}
}
