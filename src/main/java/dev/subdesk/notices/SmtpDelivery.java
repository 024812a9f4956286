package dev.subdesk.notices;

import dev.subdesk.shared.StorableText;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers stored notices (and re-deliveries) over SMTP when {@code spring.mail.host} is configured
 * ({@code SPRING_MAIL_HOST}); without a mail server notices stay stored and nothing is queued.
 * <p>
 * Every message is tried on its own: it is claimed ({@code FOR UPDATE SKIP LOCKED}, then a lease moves its next
 * attempt ahead) and the claim is committed before the mail server is called, so no transaction or row lock is
 * held while SMTP talks; the outcome is recorded afterwards. A refusal for good (a {@code 5xx} reply to this
 * message or its recipient) marks it {@code FAILED} with the reason; anything else (a {@code 4xx} reply, a
 * connection refused, a timeout) is retried with exponential backoff until it has failed for
 * {@code subdesk.notices.give-up-after}. One message that cannot go out never holds back another.
 * <p>
 * Delivery runs on a thread of its own, never on the scheduler the renewals use: a mail server that hangs delays
 * only mail (and only up to the SMTP timeouts, {@code spring.mail.properties.mail.smtp.*timeout}).
 */
@Component
class SmtpDelivery implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(SmtpDelivery.class);

	/** How many messages of one queue a tick sends before it looks at the other queue. */
	private static final int PER_TICK = 100;

	/** The longest reason stored for a failure. */
	private static final int MAX_REASON = 500;

	/**
	 * A one-time code notice's text (the code, a sign-in link) is erased as soon as the mail server took it or
	 * refused it for good: the code is in the customer's mailbox, or is of no use. Other notices keep theirs
	 * ({@link NoticeBodyRetention}).
	 */
	private static final String ONE_TIME_TEXT_ERASED = "body = CASE WHEN type IN (" + Notices.ONE_TIME_CODE_TYPES
			+ ") THEN NULL ELSE body END";

	/**
	 * The notices' outbox. Every statement has the same parameters: id, attempt, at, next, error. Each outcome is
	 * recorded only while the claim's attempt is still the message's ({@code attempts = :attempt}): a send that outlasted
	 * its lease, whose message another claim took meanwhile, records nothing over that claim ({@link #recordOutcome}).
	 */
	private static final Queue OUTBOX = new Queue("notice", """
			WITH claimed AS (
			  UPDATE notice_outbox o SET attempts = o.attempts + 1, next_attempt_at = :next,
			         first_attempt_at = coalesce(o.first_attempt_at, :at)
			  WHERE o.notice_id = (SELECT notice_id FROM notice_outbox WHERE next_attempt_at <= :at
			                       ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
			  RETURNING o.notice_id, o.attempts, o.first_attempt_at, o.recipient, o.subject, o.body
			)
			SELECT c.notice_id AS id, c.notice_id AS message_key, c.attempts, c.first_attempt_at,
			       coalesce(c.recipient, n.recipient) AS recipient,
			       coalesce(c.subject, n.subject) AS subject, coalesce(c.body, n.body || coalesce(f.text, '')) AS body
			FROM claimed c JOIN notices n ON n.id = c.notice_id LEFT JOIN notice_footers f ON f.id = n.footer_id
			""", """
			WITH gone AS (DELETE FROM notice_outbox WHERE notice_id = :id AND attempts = :attempt RETURNING notice_id)
			UPDATE notices n SET sent_at = :at, delivery_error = NULL, %1$s FROM gone WHERE n.id = gone.notice_id
			""".formatted(ONE_TIME_TEXT_ERASED), """
			UPDATE notice_outbox SET next_attempt_at = :next, last_error = :error
			WHERE notice_id = :id AND attempts = :attempt
			""", """
			WITH gone AS (DELETE FROM notice_outbox WHERE notice_id = :id AND attempts = :attempt RETURNING notice_id)
			UPDATE notices n SET delivery_error = %2$s, %1$s FROM gone WHERE n.id = gone.notice_id
			""".formatted(ONE_TIME_TEXT_ERASED, errorUnlessErased("n.recipient")));

	/** Notices sent again at a caller's request, to the address on file at the time. */
	private static final Queue REDELIVERIES = new Queue("re-delivery", """
			WITH claimed AS (
			  UPDATE notice_redeliveries r SET attempts = r.attempts + 1, next_attempt_at = :next,
			         first_attempt_at = coalesce(r.first_attempt_at, :at)
			  WHERE r.id = (SELECT id FROM notice_redeliveries
			                WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= :at
			                ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
			  RETURNING r.id, r.notice_id, r.attempts, r.first_attempt_at, r.recipient
			)
			SELECT CAST(c.id AS text) AS id, c.notice_id || '.' || c.id AS message_key, c.attempts, c.first_attempt_at,
			       c.recipient, n.subject,
			       n.body || coalesce(f.text, '') AS body
			FROM claimed c JOIN notices n ON n.id = c.notice_id LEFT JOIN notice_footers f ON f.id = n.footer_id
			""", """
			UPDATE notice_redeliveries SET sent_at = :at, last_error = NULL
			WHERE id = CAST(:id AS bigint) AND attempts = :attempt
			""", """
			UPDATE notice_redeliveries SET next_attempt_at = :next, last_error = %1$s
			WHERE id = CAST(:id AS bigint) AND attempts = :attempt
			""".formatted(errorUnlessErased("recipient")), """
			UPDATE notice_redeliveries SET failed_at = :at, last_error = %1$s
			WHERE id = CAST(:id AS bigint) AND attempts = :attempt
			""".formatted(errorUnlessErased("recipient")));

	/**
	 * The mail server's answer to record, unless the address it concerns was erased meanwhile (the account closed, or
	 * a typed address's time ran out, while the message waited in the outbox with its address): then the erased
	 * notice's wording, as the erasure left it, since the answer may quote the address.
	 */
	private static String errorUnlessErased(String recipient) {
		return "CASE WHEN " + recipient + " LIKE 'erased%@invalid' THEN '"
				+ Notices.ERASED_DELIVERY_ERROR.replace("'", "''") + "' ELSE CAST(:error AS text) END";
	}

	/** A queue of messages: how to claim the next due one, and how to record each outcome of an attempt. */
	private record Queue(String kind, String claim, String sent, String retry, String failed) {
	}

	/**
	 * A claimed message; {@code attempt} is the claim's token; {@code messageKey} names it uniquely anywhere (a
	 * re-delivery by its notice's id, which is random, and its own number).
	 */
	private record Outgoing(String id, String messageKey, int attempt, Instant firstAttempt, String to, String subject,
			@Nullable String body) {
	}

	/** Why an attempt failed, and whether trying again can help. */
	record Failure(boolean permanent, String reason) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final ObjectProvider<JavaMailSender> mailSender;
	private final String from;
	private final String messageIdDomain;
	private final TransactionTemplate tx;
	private final Duration interval;
	private final Duration lease;
	private final Duration backoff;
	private final Duration maxBackoff;
	private final Duration giveUpAfter;
	private final Notices notices;
	private final String baseUrl;
	private volatile @Nullable ThreadPoolTaskScheduler scheduler;

	SmtpDelivery(JdbcClient jdbc, Clock clock, ObjectProvider<JavaMailSender> mailSender,
			@Value("${subdesk.notices.from}") String from, PlatformTransactionManager txManager,
			@Value("${subdesk.notices.delivery-interval:PT5S}") Duration interval,
			@Value("${subdesk.notices.delivery-lease:PT10M}") Duration lease,
			@Value("${subdesk.notices.retry-backoff:PT1M}") Duration backoff,
			@Value("${subdesk.notices.retry-backoff-max:PT1H}") Duration maxBackoff,
			@Value("${subdesk.notices.give-up-after:P3D}") Duration giveUpAfter, Notices notices,
			@Value("${subdesk.public-base-url}") String baseUrl) {
		this.notices = notices;
		this.baseUrl = baseUrl;
		this.jdbc = jdbc;
		this.clock = clock;
		this.mailSender = mailSender;
		this.from = from;
		this.messageIdDomain = domainOf(from);
		this.tx = new TransactionTemplate(txManager);
		this.interval = interval;
		this.lease = lease;
		this.backoff = backoff;
		this.maxBackoff = maxBackoff;
		this.giveUpAfter = giveUpAfter;
	}

	/** Starts the delivery thread when a mail server is configured. */
	@Override
	public void start() {
		JavaMailSender sender = mailSender.getIfAvailable();
		if (sender == null || scheduler != null) {
			return;
		}
		ThreadPoolTaskScheduler own = new ThreadPoolTaskScheduler();
		own.setPoolSize(1);
		own.setThreadNamePrefix("smtp-delivery-");
		own.setDaemon(true);
		// a stop lets the message being sent finish and its outcome be recorded (no other is claimed): cut off, a
		// message the server had accepted would be sent again once its lease ran out
		own.setWaitForTasksToCompleteOnShutdown(true);
		own.setAwaitTerminationSeconds(30);
		own.initialize();
		own.scheduleWithFixedDelay(() -> deliver(sender), interval);
		scheduler = own;
	}

	@Override
	public void stop() {
		ThreadPoolTaskScheduler own = scheduler;
		scheduler = null;
		if (own != null) {
			own.shutdown();
		}
	}

	@Override
	public boolean isRunning() {
		return scheduler != null;
	}

	/** One tick: every due message of both queues, up to {@link #PER_TICK} each. */
	void deliver(JavaMailSender sender) {
		try {
			deliver(sender, OUTBOX);
			deliver(sender, REDELIVERIES);
		}
		catch (RuntimeException e) {
			log.warn("Mail delivery failed; the next tick retries", e);
		}
	}

	private void deliver(JavaMailSender sender, Queue queue) {
		for (int i = 0; i < PER_TICK && scheduler != null; i++) {
			Optional<Outgoing> claimed = claim(queue);
			if (claimed.isEmpty()) {
				return;
			}
			Outgoing message = claimed.get();
			Optional<Failure> failure = message.body() == null
					? Optional.of(new Failure(true, "Its content was erased before it could be sent"))
					: send(sender, queue, message);
			recordOutcome(queue, message, failure);
		}
	}

	/** Claims the next due message and commits: the lease keeps other nodes off it while it is being sent. */
	private Optional<Outgoing> claim(Queue queue) {
		Instant now = clock.instant();
		return java.util.Objects.requireNonNull(tx.execute(status -> jdbc.sql(queue.claim())
			.param("at", Timestamp.from(now))
			.param("next", Timestamp.from(now.plus(lease)))
			.query((rs, n) -> new Outgoing(rs.getString("id"), rs.getString("message_key"), rs.getInt("attempts"),
					rs.getTimestamp("first_attempt_at").toInstant(), rs.getString("recipient"), rs.getString("subject"),
					rs.getString("body")))
			.optional()));
	}

	private Optional<Failure> send(JavaMailSender sender, Queue queue, Outgoing outgoing) {
		if (!dev.subdesk.shared.EmailAddresses.headerSafe(outgoing.to())) {
			// stored before addresses were checked as they are now: as a header it could name several recipients,
			// or carry someone's text to another's mailbox
			return Optional.of(new Failure(true, "the recipient is not one plain email address; not sent"));
		}
		try {
			sender.send(message(sender, queue, outgoing));
			return Optional.empty();
		}
		catch (MailException e) {
			return Optional.of(failure(e, outgoing.to()));
		}
	}

	/**
	 * The email of a notice: {@code multipart/alternative} with the plain text first and the same words as HTML
	 * ({@link HtmlEmail}), in the notice's language.
	 */
	private MimeMessage message(JavaMailSender sender, Queue queue, Outgoing outgoing) {
		String body = java.util.Objects.requireNonNull(outgoing.body());
		try {
			String messageId = messageId(queue, outgoing);
			MimeMessage message = new MimeMessage(sender.createMimeMessage().getSession()) {
				@Override
				protected void updateMessageID() throws MessagingException {
					setHeader("Message-ID", messageId);
				}
			};
			message.setFrom(new InternetAddress(from));
			InternetAddress to = new InternetAddress();
			to.setAddress(outgoing.to()); // one plain address (checked), taken as it is: no name, no list
			message.setRecipient(Message.RecipientType.TO, to);
			message.setSubject(outgoing.subject(), "UTF-8");
			MimeBodyPart plain = new MimeBodyPart();
			plain.setText(body, "UTF-8");
			MimeBodyPart html = new MimeBodyPart();
			html.setText(HtmlEmail.of(outgoing.subject(), body, notices.languageOf(body), baseUrl), "UTF-8", "html");
			MimeMultipart alternative = new MimeMultipart("alternative");
			alternative.addBodyPart(plain);
			alternative.addBodyPart(html);
			message.setContent(alternative);
			message.setSentDate(java.util.Date.from(clock.instant()));
			return message;
		}
		catch (MessagingException e) {
			throw new MailPreparationException("Could not write the email of " + outgoing.id(), e);
		}
	}

	/**
	 * The same {@code Message-ID} at every attempt of one message (a notice, or one re-delivery of it): a message sent
	 * again because its outcome could not be recorded (a crash, a lost database) is recognised as the same one by the
	 * mail servers and clients that drop duplicates.
	 */
	private String messageId(Queue queue, Outgoing outgoing) {
		return "<" + queue.kind().replace("-", "") + "." + outgoing.messageKey() + "@" + messageIdDomain + ">";
	}

	/** The domain of the sender address, read once: the right-hand side of every Message-ID. */
	private static String domainOf(String from) {
		try {
			String address = new InternetAddress(from).getAddress();
			return address.substring(address.lastIndexOf('@') + 1);
		}
		catch (MessagingException | RuntimeException e) {
			return "subdesk.invalid";
		}
	}

	private void recordOutcome(Queue queue, Outgoing message, Optional<Failure> failure) {
		Instant now = clock.instant();
		String sql;
		Instant next = now;
		String error = null;
		if (failure.isEmpty()) {
			sql = queue.sent();
		}
		else if (failure.get().permanent()) {
			sql = queue.failed();
			error = failure.get().reason();
			log.warn("Could not deliver {} {}: {}; not retried", queue.kind(), message.id(), error);
		}
		else if (!now.isBefore(message.firstAttempt().plus(giveUpAfter))) {
			sql = queue.failed();
			error = "Still failing after " + readable(giveUpAfter) + " of retries: " + failure.get().reason();
			log.warn("Could not deliver {} {}: {}", queue.kind(), message.id(), error);
		}
		else {
			sql = queue.retry();
			error = failure.get().reason();
			next = now.plus(backoff(message.attempt()));
			log.info("Could not deliver {} {} ({}); retrying at {}", queue.kind(), message.id(), error, next);
		}
		String statement = sql;
		Instant nextAttempt = next;
		String reason = error;
		int recorded = java.util.Objects.requireNonNull(tx.execute(status -> jdbc.sql(statement)
			.param("id", message.id())
			.param("attempt", message.attempt())
			.param("at", Timestamp.from(now))
			.param("next", Timestamp.from(nextAttempt))
			.param("error", reason)
			.update()));
		if (recorded == 0 && failure.isEmpty()) {
			// the lease ran out while the mail server took it, and another claim (this node's later tick, or another
			// node's) took the message over: that claim records its own outcome, and the recipient may get it twice
			log.warn("The {} {} was sent by a claim whose lease ran out before the outcome was recorded (attempt {}); "
					+ "a later claim holds it, so it may be sent twice", queue.kind(), message.id(), message.attempt());
		}
	}

	/** The wait after the {@code attempt}th failure: the first backoff, doubled at each attempt, capped. */
	Duration backoff(int attempt) {
		Duration delay = backoff.multipliedBy(1L << Math.min(Math.max(attempt - 1, 0), 30));
		return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
	}

	private static String readable(Duration duration) {
		return duration.toSeconds() % 86_400 == 0 ? duration.toDays() + " days" : duration.toString();
	}

	/**
	 * Whether a failed send can succeed later. Permanent: a {@code 5xx} reply about this recipient or this message.
	 * Anything else is transient: {@code 4xx} replies, a refused or lost connection, a timeout, and a refusal of our
	 * own sender address (which concerns every message, not this one).
	 */
	static Failure failure(MailException e, String recipient) {
		List<Throwable> causes = causes(e);
		for (Throwable cause : causes) {
			if (cause instanceof SMTPSenderFailedException) {
				continue;
			}
			int code = cause instanceof SMTPAddressFailedException address ? address.getReturnCode()
					: cause instanceof SMTPSendFailedException send ? send.getReturnCode() : 0;
			if (code >= 400 && code < 600) {
				return new Failure(code >= 500, reason(cause.getMessage(), recipient));
			}
		}
		Throwable first = e instanceof MailSendException send && !send.getFailedMessages().isEmpty()
				? send.getFailedMessages().values().iterator().next() : e;
		Throwable root = first;
		for (int depth = 0; depth < 20 && root.getCause() != null && root.getCause() != root; depth++) {
			root = root.getCause();
		}
		String detail = root == first ? String.valueOf(first.getMessage())
				: first.getMessage() + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
		return new Failure(false, reason(detail, recipient));
	}

	/** The exception, the ones it reports for its messages, and their causes and next exceptions, each once. */
	private static List<Throwable> causes(MailException e) {
		List<Throwable> all = new ArrayList<>();
		Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
		List<Throwable> starts = new ArrayList<>();
		starts.add(e);
		if (e instanceof MailSendException send) {
			starts.addAll(send.getFailedMessages().values());
		}
		for (Throwable start : starts) {
			for (Throwable t = start; t != null && seen.add(t); t = t.getCause()) {
				all.add(t);
			}
		}
		return all;
	}

	/**
	 * A reply as stored: on one line, without the recipient's address (erasure must not miss it), without characters
	 * PostgreSQL cannot store, bounded.
	 */
	private static String reason(@Nullable String text, String recipient) {
		String flat = String.valueOf(text).replaceAll("\\s+", " ").strip();
		Matcher address = Pattern.compile(Pattern.quote(recipient), Pattern.CASE_INSENSITIVE).matcher(flat);
		String without = address.replaceAll(Matcher.quoteReplacement("<recipient>"));
		// the server's reply may hold any byte: stored without U+0000 (else the record fails) and whole pairs only
		return StorableText.excerpt(without, MAX_REASON);
	}
}
