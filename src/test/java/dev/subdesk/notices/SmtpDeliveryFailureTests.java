package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;

/** Which failed sends are tried again, and when. */
class SmtpDeliveryFailureTests {

	private static final String TO = "ann@example.com";

	@Test
	void aRecipientRefusedWith5xxIsPermanentAndTheReasonLeavesTheAddressOut() throws Exception {
		SMTPAddressFailedException refused = new SMTPAddressFailedException(new InternetAddress(TO), "RCPT TO:<" + TO + ">",
				550, "550 5.1.1 <Ann@Example.com>: Recipient address rejected\n");
		SendFailedException invalid = new SendFailedException("Invalid Addresses", refused);

		SmtpDelivery.Failure failure = SmtpDelivery.failure(sent(invalid), TO);

		assertThat(failure.permanent()).isTrue();
		assertThat(failure.reason()).isEqualTo("550 5.1.1 <<recipient>>: Recipient address rejected");
	}

	@Test
	void aBusyMailboxARefusedConnectionAndARefusedSenderAreTriedAgain() throws Exception {
		SMTPAddressFailedException busy = new SMTPAddressFailedException(new InternetAddress(TO), "RCPT TO:<" + TO + ">",
				451, "451 4.2.1 try again later");
		assertThat(SmtpDelivery.failure(sent(new SendFailedException("Invalid Addresses", busy)), TO).permanent()).isFalse();

		MessagingException connect = new MessagingException("Couldn't connect to host", new ConnectException("Connection refused"));
		SmtpDelivery.Failure refusedConnection = SmtpDelivery
			.failure(new MailSendException("Mail server connection failed", connect), TO);
		assertThat(refusedConnection.permanent()).isFalse();
		assertThat(refusedConnection.reason()).contains("Connection refused");

		SMTPSenderFailedException sender = new SMTPSenderFailedException(new InternetAddress("no-reply@acme.example"),
				"MAIL FROM", 553, "553 sender not allowed");
		assertThat(SmtpDelivery.failure(sent(sender), TO).permanent()).isFalse();
	}

	@Test
	void aReplyWithU0000IsStoredWithoutIt() throws Exception {
		SMTPAddressFailedException refused = new SMTPAddressFailedException(new InternetAddress(TO), "RCPT TO:<" + TO + ">",
				550, "550 5.1.1 no\u0000such \ud800user " + "\ud83d\ude00".repeat(300));
		String reason = SmtpDelivery.failure(sent(new SendFailedException("Invalid Addresses", refused)), TO).reason();
		assertThat(reason).startsWith("550 5.1.1 no\ufffdsuch \ufffduser \ud83d\ude00").doesNotContain("\u0000");
		assertThat(reason.length()).isLessThanOrEqualTo(500);
		assertThat(dev.subdesk.shared.StorableText.storable(reason)).as("no half of a pair at the cut").isTrue();
	}

	@Test
	void theWaitDoublesFromTheFirstBackoffUpToTheCap() {
		SmtpDelivery delivery = new SmtpDelivery(null, Clock.systemUTC(), null, "from", null, Duration.ofSeconds(5),
				Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(3), null, "http://localhost");

		assertThat(delivery.backoff(1)).isEqualTo(Duration.ofMinutes(1));
		assertThat(delivery.backoff(2)).isEqualTo(Duration.ofMinutes(2));
		assertThat(delivery.backoff(6)).isEqualTo(Duration.ofMinutes(32));
		assertThat(delivery.backoff(7)).isEqualTo(Duration.ofHours(1));
		assertThat(delivery.backoff(500)).isEqualTo(Duration.ofHours(1));
	}

	private static MailSendException sent(Exception e) {
		return new MailSendException(Map.of(new Object(), e));
	}
}
