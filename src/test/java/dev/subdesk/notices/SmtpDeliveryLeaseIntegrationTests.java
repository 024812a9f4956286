package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.MailingServer;
import dev.subdesk.testing.ScriptedSmtpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * A send that outlasts its lease, while another node's claim took the notice and sends it again: the first send's
 * outcome is not recorded over the second claim's (the claim's attempt is its token), and the server logs it.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmtpDeliveryLeaseIntegrationTests {

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	@TempDir
	static Path dataDir;

	static ScriptedSmtpServer smtp;

	static MailingServer server;

	@BeforeAll
	static void start() {
		smtp = new ScriptedSmtpServer();
		server = MailingServer.start(dataDir, smtp, "--subdesk.notices.delivery-lease=PT1M");
	}

	@AfterAll
	static void stop() {
		MailingServer.stop(server, smtp);
	}

	@Test
	void theSentOfASendWhoseLeaseRanOutLeavesTheNoticeToTheClaimThatTookItOver(CapturedOutput output) throws Exception {
		JdbcClient jdbc = server.app().getBean(JdbcClient.class);
		String email = "slow-" + Fixtures.uniqueEmail();
		smtp.holdAnswers(email);
		Api.Response created = server.api()
			.post("/accounts", Map.of("email", email, "name", "Test Customer", "country", "DE"));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		await("the delivery thread's send waits for the server's answer").atMost(PATIENCE)
			.until(() -> smtp.heldAnswers(email) == 1);
		String notice = jdbc.sql("SELECT id FROM notices WHERE account_id = :a AND type = 'WELCOME'")
			.param("a", created.id()).query(String.class).single();
		assertThat(attempts(jdbc, notice)).isEqualTo(1);

		// its lease (a minute here) runs out, and another node's tick claims the notice and sends it too
		TestClock clock = server.app().getBean(TestClock.class);
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(2)));
		ExecutorService otherNode = Executors.newSingleThreadExecutor(task -> {
			Thread thread = new Thread(task, "other-node-delivery");
			thread.setDaemon(true);
			return thread;
		});
		try {
			SmtpDelivery delivery = server.app().getBean(SmtpDelivery.class);
			JavaMailSender sender = server.app().getBean(JavaMailSender.class);
			Future<?> second = otherNode.submit(() -> delivery.deliver(sender));
			await("the second claim's send waits too").atMost(PATIENCE).until(() -> smtp.heldAnswers(email) == 2);
			assertThat(attempts(jdbc, notice)).as("claimed again").isEqualTo(2);

			smtp.answerOneHeld(email);
			String warning = "notice " + notice + " was sent by a claim whose lease ran out";
			await("the first send's outcome dealt with").atMost(PATIENCE)
				.until(() -> output.getOut().contains(warning) || attempts(jdbc, notice) == null);
			assertThat(attempts(jdbc, notice)).as("the second claim still holds the notice").isEqualTo(2);
			assertThat(sent(jdbc, notice)).as("not marked sent by the claim that lost it").isFalse();
			assertThat(output.getOut()).contains(warning).doesNotContain(email);

			smtp.answerOneHeld(email);
			second.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
		}
		finally {
			// whatever failed, no send is left waiting for the server's answer
			smtp.answerOneHeld(email);
			smtp.answerOneHeld(email);
			otherNode.shutdown();
		}
		assertThat(attempts(jdbc, notice)).as("the second claim's send recorded: out of the outbox").isNull();
		assertThat(sent(jdbc, notice)).isTrue();
		assertThat(smtp.delivered().stream().filter(email::equals).count()).isEqualTo(2);
	}

	/** The notice's attempts in the outbox, or null when it has left it. */
	private static Integer attempts(JdbcClient jdbc, String notice) {
		return jdbc.sql("SELECT attempts FROM notice_outbox WHERE notice_id = :id").param("id", notice)
			.query(Integer.class).optional().orElse(null);
	}

	private static boolean sent(JdbcClient jdbc, String notice) {
		return jdbc.sql("SELECT sent_at IS NOT NULL FROM notices WHERE id = :id").param("id", notice)
			.query(Boolean.class).single();
	}
}
