package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.subdesk.notices.Notice;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With an SMTP server configured, notices are delivered and marked sent, even those of a closing account, and a
 * notice resent at a caller's request goes out again with the same content.
 */
class SmtpDeliveryIntegrationTests {

	@RegisterExtension
	static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

	@TempDir
	Path dataDir;

	@Test
	void noticesAreDeliveredBySmtpIncludingAResentOneAndTheConfirmationsOfAClosingAccount() throws Exception {
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class).run(
				"--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir,
				"--spring.mail.host=127.0.0.1", "--spring.mail.port=" + ServerSetupTest.SMTP.getPort(),
				"--subdesk.notices.delivery-interval=PT0.2S", "--subdesk.jobs.initial-delay=PT1H",
				"--logging.level.root=WARN")) {
			Api api = new Api(Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0")));
			Fixtures fixtures = new Fixtures(api);
			String account = fixtures.accountWithVisa();
			String email = api.get("/accounts/" + account).text("email");
			String sub = fixtures.subscribe(account, "antivirus-annual");
			assertThat(mail.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), 2)).isTrue();
			// Delivery marks a notice sent just after the mail server took it.
			await("every notice marked sent").atMost(Duration.ofSeconds(20))
				.until(() -> api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
					.allMatch(n -> n.path("sentAt").isString()));

			Notices notices = app.getBean(Notices.class);
			Notice order = notices.find(account, NoticeType.ORDER_CONFIRMATION, sub).orElseThrow();
			notices.redeliver(order, email, "agent");
			assertThat(mail.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), 3)).isTrue();
			MimeMessage again = mail.getReceivedMessages()[2];
			assertThat(subject(again)).isEqualTo(order.subject());
			// one Message-ID per message, the same at every attempt of it, so that a duplicate can be recognised
			assertThat(Arrays.stream(mail.getReceivedMessages()).map(SmtpDeliveryIntegrationTests::messageId))
				.contains("<notice." + order.id() + "@" + fromDomain(app) + ">")
				.doesNotHaveDuplicates();
			assertThat(messageId(again)).as("unique anywhere: by its notice's random id").startsWith("<redelivery." + order.id() + ".");
			// multipart/alternative: the plain text first, then the same words as HTML with nothing remote in it
			assertThat(again.getContentType()).startsWith("multipart/alternative");
			MimeMultipart parts = (MimeMultipart) again.getContent();
			assertThat(parts.getCount()).isEqualTo(2);
			assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
			assertThat(parts.getBodyPart(0).getContent().toString().replace("\r\n", "\n").strip())
				.isEqualTo(order.body().strip());
			assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
			String html = parts.getBodyPart(1).getContent().toString();
			String base = app.getEnvironment().getProperty("subdesk.public-base-url");
			assertThat(html).contains("<html lang=\"de\">") // the account is in Germany
				.contains("Vielen Dank für Ihre Bestellung")
				.contains("So kündigen Sie:")
				.doesNotContainIgnoringCase("<img")
				.doesNotContainIgnoringCase("<link")
				.doesNotContainIgnoringCase("url(")
				.doesNotContainIgnoringCase("<script");
			java.util.regex.Matcher links = java.util.regex.Pattern.compile("href=\"([^\"]*)\"").matcher(html);
			int linkCount = 0;
			while (links.find()) {
				assertThat(links.group(1)).as("only links to the official website").startsWith(base + "/");
				linkCount++;
			}
			assertThat(linkCount).as("the portal, the cancel form, the help centre").isGreaterThanOrEqualTo(3);
			assertThat(notices.list(account, dev.subdesk.shared.Page.Request.first(100)).data()).hasSize(2);

			api.post("/accounts/" + account + "/close");
			assertThat(mail.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), 5)).isTrue();
			MimeMessage[] received = mail.getReceivedMessages();
			assertThat(Arrays.stream(received).map(m -> subject(m))).anyMatch(s -> s.startsWith("Kündigung bestätigt")) // the account is in Germany: its confirmation is German
				.anyMatch(s -> s.startsWith("Erstattung von 59,99\u00a0$"));
			assertThat(received[received.length - 1].getAllRecipients()[0].toString()).isEqualTo(email);
			assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
		}
	}


	private static String messageId(MimeMessage message) {
		try {
			return message.getMessageID();
		}
		catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static String fromDomain(ConfigurableApplicationContext app) {
		String from = app.getEnvironment().getProperty("subdesk.notices.from", "");
		return from.substring(from.lastIndexOf('@') + 1).replace(">", "").strip();
	}

	private static String subject(MimeMessage message) {
		try {
			return message.getSubject();
		}
		catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}
}
