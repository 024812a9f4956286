package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.MailingServer;
import dev.subdesk.testing.ScriptedSmtpServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail carries one-time codes: with the default configuration the server asks a mail server that offers STARTTLS
 * for it before anything else, and sends nothing in the clear when TLS then fails (the mail is retried later).
 */
class SmtpTlsIntegrationTests {

	@TempDir
	static Path dataDir;

	static ScriptedSmtpServer smtp;

	static MailingServer server;

	@BeforeAll
	static void start() {
		smtp = new ScriptedSmtpServer();
		smtp.offerStartTls();
		server = MailingServer.start(dataDir, smtp);
	}

	@AfterAll
	static void stop() {
		MailingServer.stop(server, smtp);
	}

	@Test
	void aMailServerThatOffersTlsIsAskedForItAndGetsNothingInTheClearWhenItFails() {
		new Fixtures(server.api()).account("DE", null); // its WELCOME goes out at once

		await().atMost(Duration.ofSeconds(30)).until(() -> smtp.startTlsAsked() >= 2);

		assertThat(smtp.delivered()).as("nothing sent without TLS, retried instead").isEmpty();
	}
}
