package dev.subdesk.notices;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Delivers stored notices over SMTP when {@code spring.mail.host} is configured ({@code SPRING_MAIL_HOST});
 * without a mail server notices stay stored with {@code sentAt = null} and nothing is queued. Claims queued notices with
 * {@code FOR UPDATE SKIP LOCKED} so several nodes deliver without sending one twice.
 */
@Component
class SmtpDelivery {

	private static final Logger log = LoggerFactory.getLogger(SmtpDelivery.class);

	private static final String CLAIM = """
			SELECT n.id, coalesce(o.recipient, n.recipient) AS recipient, coalesce(o.subject, n.subject) AS subject,
			       coalesce(o.body, n.body || coalesce(f.text, '')) AS body
			FROM notice_outbox o JOIN notices n ON n.id = o.notice_id
			LEFT JOIN notice_footers f ON f.id = n.footer_id
			WHERE coalesce(o.body, n.body) IS NOT NULL
			ORDER BY o.seq LIMIT 50 FOR UPDATE OF o SKIP LOCKED
			""";

	private static final String CLAIM_REDELIVERIES = """
			SELECT r.id, r.recipient, n.subject, n.body || coalesce(f.text, '') AS body
			FROM notice_redeliveries r JOIN notices n ON n.id = r.notice_id
			LEFT JOIN notice_footers f ON f.id = n.footer_id
			WHERE r.sent_at IS NULL AND n.body IS NOT NULL
			ORDER BY r.id LIMIT 50 FOR UPDATE OF r SKIP LOCKED
			""";

	private record Outgoing(String id, String to, String subject, String body) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final ObjectProvider<JavaMailSender> mailSender;
	private final String from;
	private final org.springframework.transaction.support.TransactionTemplate tx;

	SmtpDelivery(JdbcClient jdbc, Clock clock, ObjectProvider<JavaMailSender> mailSender,
			@Value("${subdesk.notices.from}") String from,
			org.springframework.transaction.PlatformTransactionManager txManager) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.mailSender = mailSender;
		this.from = from;
		this.tx = new org.springframework.transaction.support.TransactionTemplate(txManager);
	}

	@Scheduled(fixedDelayString = "${subdesk.notices.delivery-interval:PT5S}")
	void deliver() {
		JavaMailSender sender = mailSender.getIfAvailable();
		if (sender == null) {
			return;
		}
		deliver(sender, CLAIM, id -> {
			jdbc.sql("UPDATE notices SET sent_at = :at WHERE id = :id")
				.param("at", Timestamp.from(clock.instant()))
				.param("id", id)
				.update();
			jdbc.sql("DELETE FROM notice_outbox WHERE notice_id = :id").param("id", id).update();
		});
		deliver(sender, CLAIM_REDELIVERIES, id -> jdbc
			.sql("UPDATE notice_redeliveries SET sent_at = :at WHERE id = CAST(:id AS bigint)")
			.param("at", Timestamp.from(clock.instant()))
			.param("id", id)
			.update());
	}

	/** Sends one claimed batch in one transaction, recording each message sent; stops at the first failure. */
	private void deliver(JavaMailSender sender, String claim, java.util.function.Consumer<String> sent) {
		tx.executeWithoutResult(status -> {
			List<Outgoing> batch = jdbc.sql(claim)
				.query((rs, n) -> new Outgoing(rs.getString("id"), rs.getString("recipient"), rs.getString("subject"),
						rs.getString("body")))
				.list();
			for (Outgoing message : batch) {
				if (!send(sender, message)) {
					return;
				}
				sent.accept(message.id());
			}
		});
	}

	private boolean send(JavaMailSender sender, Outgoing notice) {
		try {
			SimpleMailMessage message = new SimpleMailMessage();
			message.setFrom(from);
			message.setTo(notice.to());
			message.setSubject(notice.subject());
			message.setText(notice.body());
			sender.send(message);
			return true;
		}
		catch (MailException e) {
			log.warn("Could not deliver {} ({}); will retry", notice.id(), e.getMessage());
			return false;
		}
	}
}
