package dev.subdesk.notices;

import dev.subdesk.channels.Directory;
import dev.subdesk.channels.OfficialChannels;
import dev.subdesk.shared.BulkCopy;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Records notices and reads them back. Only the module's own listeners of other modules' events store notices
 * ({@link EventNotices}), inside the transaction of the change the notice reports, so that the change and its notice
 * commit together (one confirmation notice per cancellation, never none, never two).
 */
@Service
public class Notices {

	/**
	 * A notice, and its place in the outbox when {@code :queue} (a mail server is configured and the address is not
	 * erased), in one statement: the outbox row only when the notice was stored (a once-only notice already stored
	 * stores neither). Its reference to the notice is checked at the end of the statement, when the notice is there.
	 */
	private static final String INSERT = """
			WITH stored AS (
			    INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at, footer_id)
			    VALUES (:id, :account, :type, :to, :subject, :body, :related, :at, :footer)
			    ON CONFLICT DO NOTHING
			    RETURNING id),
			queued AS (INSERT INTO notice_outbox (notice_id) SELECT id FROM stored WHERE :queue)
			SELECT id FROM stored
			""";

	/** The types of the one-time code notices, as an SQL list of literals. */
	static final String ONE_TIME_CODE_TYPES = java.util.Arrays.stream(NoticeType.values())
		.filter(NoticeType::carriesOneTimeCode)
		.map(t -> "'" + t.name() + "'")
		.collect(java.util.stream.Collectors.joining(", "));

	/**
	 * The address of a notice of no account once erased, and of a public cancellation's confirmation to an address
	 * neither the owner's nor typed as theirs once its request's 90 days are over ({@link #eraseConfirmationRecipient}).
	 */
	static final String UNADDRESSED_TOMBSTONE = "erased@invalid";

	/** A notice's full text: its own body and the footer it was sent with. */
	static final String FULL_BODY = "n.body || coalesce(f.text, '')";

	/**
	 * A notice's columns with its delivery status: sent, still in the outbox, taken out of it with an error, or
	 * never queued (no mail server).
	 */
	private static final String COLUMNS = """
			n.id, n.type, n.recipient, n.subject, %s AS body, n.related_id, n.created_at, n.sent_at, n.seq,
			CASE WHEN n.sent_at IS NOT NULL THEN 'SENT' WHEN o.notice_id IS NOT NULL THEN 'PENDING'
			     WHEN n.delivery_error IS NOT NULL THEN 'FAILED' ELSE 'STORED' END AS delivery_status, n.delivery_error
			FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id LEFT JOIN notice_outbox o ON o.notice_id = n.id
			""".formatted(FULL_BODY);

	private static final String SELECT_PAGE = """
			SELECT %s
			WHERE n.account_id = :account AND (n.created_at, n.seq) < (:afterAt, :afterSeq)
			ORDER BY n.created_at DESC, n.seq DESC LIMIT :limit
			""".formatted(COLUMNS);

	/**
	 * What a failed notice's mail server answer becomes when its address is erased: the answer may quote the address
	 * in a form the recipient's removal missed (a local part, a rewritten spelling). Not null, so the notice still
	 * reads as FAILED.
	 */
	static final String ERASED_DELIVERY_ERROR = "the mail server's answer was erased with the address";

	private static final String ERASE = """
			UPDATE notices SET recipient = :tombstone, body = NULL,
			    delivery_error = CASE WHEN delivery_error IS NOT NULL THEN '%s' END
			WHERE account_id = :account
			""".formatted(ERASED_DELIVERY_ERROR.replace("'", "''"));

	/** The same for the erased notices' re-deliveries and their still queued copies (given {@code n}). */
	private static final String ERASED_LAST_ERROR = "last_error = CASE WHEN last_error IS NOT NULL THEN '"
			+ ERASED_DELIVERY_ERROR.replace("'", "''") + "' END";

	private static final String ERASED_N_DELIVERY_ERROR = "delivery_error = CASE WHEN n.delivery_error IS NOT NULL"
			+ " THEN '" + ERASED_DELIVERY_ERROR.replace("'", "''") + "' END";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final boolean mailConfigured;
	private final String footer;
	private final String germanFooter;
	/** The footers' last line, the official channels: every footer ends with it (English, German). */
	private final String support;
	private final String germanSupport;
	/** The footers' first line, how to cancel what Acme bills (English, German). */
	private final String cancelLine;
	private final String germanCancelLine;
	private final dev.subdesk.subscriptions.Subscriptions subscriptions;
	private final dev.subdesk.cancellation.Cancellations cancellations;
	private final java.util.Map<String, Integer> footerIds = new java.util.concurrent.ConcurrentHashMap<>();
	private final javax.sql.DataSource dataSource;
	private final org.springframework.transaction.support.TransactionTemplate newTransaction;

	private final Letters letters;

	Notices(JdbcClient jdbc, Clock clock, OfficialChannels channels, Letters letters,
			@Value("${subdesk.public-base-url}") String baseUrl, @Value("${spring.mail.host:}") String mailHost,
			org.springframework.transaction.PlatformTransactionManager txManager, javax.sql.DataSource dataSource,
			dev.subdesk.subscriptions.Subscriptions subscriptions, dev.subdesk.cancellation.Cancellations cancellations) {
		this.dataSource = dataSource;
		this.letters = letters;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.newTransaction = new org.springframework.transaction.support.TransactionTemplate(txManager);
		this.newTransaction.setPropagationBehavior(
				org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.jdbc = jdbc;
		this.clock = clock;
		this.mailConfigured = !mailHost.isBlank();
		this.cancelLine = """
				How to cancel: sign in at %s/portal and choose "Cancel", or use "Cancel contracts here" at %s/cancel \
				without signing in. Cancelling takes a minute and you get a confirmation number by email.""".formatted(
				baseUrl, baseUrl);
		this.support = """
				Official Acme support: %s. Acme never asks for a full card number, a CVC or a password, \
				and never charges a fee to cancel.""".formatted(officialChannels(channels.directory(), baseUrl));
		this.germanCancelLine = """
				So kündigen Sie: Melden Sie sich unter %s/portal an und wählen Sie „Kündigen“, oder nutzen Sie \
				„Verträge hier kündigen“ unter %s/cancel, ohne sich anzumelden. Die Kündigung dauert eine Minute, \
				und Sie erhalten eine Bestätigungsnummer per E-Mail.""".formatted(baseUrl, baseUrl);
		this.germanSupport = """
				Offizieller Acme-Support: %s. Acme fragt nie nach einer vollständigen Kartennummer, einer Prüfziffer (CVC) \
				oder einem Passwort und verlangt nie eine Gebühr für die Kündigung.""".formatted(
				germanOfficialChannels(channels.directory(), baseUrl));
		this.footer = "\n" + cancelLine + "\n" + support;
		this.germanFooter = "\n" + germanCancelLine + "\n" + germanSupport;
	}

	/**
	 * The footer of a notice about a subscription on {@code channel}: the usual one for what Acme bills; for what a
	 * store bills, which neither the portal nor the public form can cancel, the store's steps instead (those the
	 * portal and the API give), with the official channels all the same.
	 */
	private String footerFor(Letter letter, dev.subdesk.subscriptions.Channel channel) {
		if (!channel.storeBilled()) {
			return letter.german() ? germanFooter : footer;
		}
		StringBuilder text = new StringBuilder("\n").append(letter.text("footer.store", letter.text("store." + channel.name())));
		for (String step : cancellations.instructionsFor(channel, letter.locale()).steps()) {
			text.append("\n- ").append(step);
		}
		return text.append('\n').append(letter.german() ? germanSupport : support).toString();
	}

	/**
	 * The footer of a notice about the account as a whole (a welcome, a code, a support case): the usual one, and,
	 * while the account has a subscription a store bills, a line per store that such a subscription is cancelled
	 * there, with the store's steps. An account with no such subscription gets the usual footer.
	 */
	private String accountFooter(Letter letter, String accountId) {
		List<dev.subdesk.subscriptions.Channel> stores = subscriptions.forAccount(accountId)
			.stream()
			.filter(s -> s.storeBilled() && !s.ended())
			.map(dev.subdesk.subscriptions.Subscription::channel)
			.distinct()
			.sorted()
			.toList();
		if (stores.isEmpty()) {
			return letter.german() ? germanFooter : footer;
		}
		StringBuilder text = new StringBuilder("\n").append(letter.german() ? germanCancelLine : cancelLine);
		for (dev.subdesk.subscriptions.Channel store : stores) {
			text.append('\n')
				.append(letter.text("footer.storeLine", letter.text("store." + store.name()),
						String.join(" ", cancellations.instructionsFor(store, letter.locale()).steps())));
		}
		return text.append('\n').append(letter.german() ? germanSupport : support).toString();
	}

	/** The official channels in a German sentence: the same channels as {@link #officialChannels}. */
	static String germanOfficialChannels(Directory directory, String baseUrl) {
		StringBuilder text = new StringBuilder("das Hilfe-Center unter ").append(baseUrl).append("/support");
		directory.supportEmail().ifPresent(address -> text.append(" und ").append(address));
		if (!directory.phones().isEmpty()) {
			text.append("; telefonisch ")
				.append(directory.phones()
					.stream()
					.map(phone -> phone.label() + " " + phone.international())
					.collect(java.util.stream.Collectors.joining(", ")));
		}
		text.append("; im Web nur ").append(list(directory.domains(), " oder "));
		text.append(", per E-Mail nur von ")
			.append(list(directory.emailDomains().stream().map(d -> "@" + d).toList(), " oder "));
		return text.append(". Acme veröffentlicht keine andere Telefonnummer oder Adresse: Prüfen Sie eine unter ")
			.append(baseUrl)
			.append("/support/check")
			.toString();
	}

	private static String list(List<String> items, String or) {
		return items.isEmpty() ? "(keine)" : String.join(or, items);
	}

	/**
	 * The official channels in a sentence, from their one configuration: the help centre, the support address, the
	 * phone lines, the web and email domains, and where to check anything else.
	 */
	static String officialChannels(Directory directory, String baseUrl) {
		StringBuilder text = new StringBuilder("the help centre at ").append(baseUrl).append("/support");
		directory.supportEmail().ifPresent(address -> text.append(" and ").append(address));
		if (!directory.phones().isEmpty()) {
			text.append("; by phone ")
				.append(directory.phones()
					.stream()
					.map(phone -> phone.label() + " " + phone.international())
					.collect(java.util.stream.Collectors.joining(", ")));
		}
		text.append("; on the web only ").append(orList(directory.domains()));
		text.append(", and by email only from ").append(orList(directory.emailDomains().stream().map(d -> "@" + d).toList()));
		return text.append(". Acme publishes no other phone number or address: check one at ")
			.append(baseUrl)
			.append("/support/check")
			.toString();
	}

	private static String orList(List<String> items) {
		return items.isEmpty() ? "(none)" : String.join(" or ", items);
	}

	/**
	 * The id of the current footer's wording, stored once, in a transaction of its own: the caller's transaction
	 * may roll back, the cached id must stay valid.
	 */
	private int footerId() {
		return footerId(footer);
	}

	private int footerId(String text) {
		Integer cached = footerIds.get(text);
		if (cached != null) {
			return cached;
		}
		Integer stored = newTransaction.execute(status -> {
			jdbc.sql("INSERT INTO notice_footers (text) VALUES (:text) ON CONFLICT (text) DO NOTHING")
				.param("text", text)
				.update();
			return jdbc.sql("SELECT id FROM notice_footers WHERE text = :text")
				.param("text", text)
				.query(Integer.class)
				.single();
		});
		int id = java.util.Objects.requireNonNull(stored);
		footerIds.put(text, id);
		return id;
	}

	/**
	 * The language a notice's full text (body and footer) was written in: German when it has a German footer (every
	 * one ends with the German official channels).
	 */
	java.util.Locale languageOf(String fullBody) {
		return fullBody.endsWith(germanSupport) ? java.util.Locale.GERMAN : java.util.Locale.ENGLISH;
	}

	/** How a notice to an account in {@code country} reads: its language, time zone and wording. */
	Letter letterFor(String country) {
		return letters.forCountry(country);
	}

	Letter letterFor(java.util.Locale language) {
		return letters.forLanguage(language);
	}

	/**
	 * Stores a notice for delivery; returns its id. A once-only type already stored for {@code relatedId} stores nothing
	 * and answers the first one's id.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String send(String accountId, String to, NoticeType type, String subject, String body, String relatedId) {
		return send(accountId, to, type, subject, body, relatedId, clock.instant());
	}

	/**
	 * Stores a notice written in the letter's language: its footer (how to cancel, the official channels) is in the
	 * same language.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String send(Letter letter, String accountId, String to, NoticeType type, String subject, String body,
			String relatedId) {
		return send(accountId, to, type, subject, body, relatedId, clock.instant(),
				letter.german() ? germanFooter : footer);
	}

	/**
	 * Stores a one-time code notice ({@link NoticeType#carriesOneTimeCode()}) in the letter's language: its text (the
	 * code, a sign-in link) is erased when the mail server takes it or refuses it for good ({@link SmtpDelivery}), and
	 * in any case at {@code expiresAt}, when the code expires ({@link OneTimeCodeBodies}). Without a mail server it is
	 * kept until then: nobody receives it, but the demo mailbox shows it (the API never does).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String sendOneTimeCode(Letter letter, String accountId, String to, NoticeType type, String subject, String body,
			String relatedId, Instant expiresAt) {
		return sendOneTimeCode(letter, accountId, to, type, subject, body, relatedId, expiresAt, accountId != null);
	}

	/**
	 * As {@link #sendOneTimeCode(Letter, String, String, NoticeType, String, String, String, Instant)}, to an address
	 * that is not the account's yet (a new address an agent is changing it to): kept with the account, so that its
	 * closure erases the address, but with the plain footer, which says nothing about the account's subscriptions.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String sendOneTimeCodeToNewAddress(Letter letter, String accountId, String to, String subject, String body,
			String relatedId, Instant expiresAt) {
		return sendOneTimeCode(letter, accountId, to, NoticeType.VERIFICATION_CODE, subject, body, relatedId, expiresAt,
				false);
	}

	private String sendOneTimeCode(Letter letter, @org.jspecify.annotations.Nullable String accountId, String to,
			NoticeType type, String subject, String body, String relatedId, Instant expiresAt, boolean aboutTheAccount) {
		if (!type.carriesOneTimeCode()) {
			throw new IllegalArgumentException(type + " carries no one-time code");
		}
		String id = store(accountId, to, type, subject, body, relatedId, clock.instant(),
				!aboutTheAccount || accountId == null ? (letter.german() ? germanFooter : footer)
						: accountFooter(letter, accountId));
		jdbc.sql("""
				INSERT INTO notice_body_expiries (notice_id, expires_at) VALUES (:id, :expires)
				ON CONFLICT (notice_id) DO NOTHING
				""").param("id", id).param("expires", Timestamp.from(expiresAt)).update();
		return id;
	}

	/**
	 * Stores a notice about one subscription on {@code channel} (an order confirmation), with the footer for it: a
	 * store-billed one's tells the store's steps ({@link #footerFor}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String send(Letter letter, dev.subdesk.subscriptions.Channel channel, String accountId, String to, NoticeType type,
			String subject, String body, String relatedId) {
		return send(accountId, to, type, subject, body, relatedId, clock.instant(), footerFor(letter, channel));
	}

	/**
	 * Stores a notice about the account as a whole (a welcome, a code, a support case), whose footer also says how to
	 * cancel the account's store-billed subscriptions, if any ({@link #accountFooter}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String sendAboutAccount(Letter letter, String accountId, String to, NoticeType type, String subject, String body,
			String relatedId) {
		return send(accountId, to, type, subject, body, relatedId, clock.instant(), accountFooter(letter, accountId));
	}

	/**
	 * Stores a notice that belongs to no account: the confirmation of a public request that named none, to the address
	 * typed for it. It is in no account's list; it loses that address when its holder closes their account
	 * ({@link #eraseTypedRecipient}) or when the request's retention ends ({@link #eraseUnaddressed}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String sendUnaddressed(Letter letter, String to, NoticeType type, String subject, String body, String relatedId) {
		return sendUnaddressed(letter, dev.subdesk.subscriptions.Channel.DIRECT, to, type, subject, body, relatedId);
	}

	/**
	 * As {@link #sendUnaddressed(Letter, String, NoticeType, String, String, String)}, about a contract on
	 * {@code channel}: a store-billed one's footer tells the store's steps.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	String sendUnaddressed(Letter letter, dev.subdesk.subscriptions.Channel channel, String to, NoticeType type,
			String subject, String body, String relatedId) {
		return send(null, to, type, subject, body, relatedId, clock.instant(), footerFor(letter, channel));
	}

	/** Stores a notice stamped with the instant its job was due. */
	@Transactional(propagation = Propagation.MANDATORY)
	String send(String accountId, String to, NoticeType type, String subject, String body, String relatedId,
			Instant at) {
		return send(accountId, to, type, subject, body, relatedId, at, footer);
	}

	/** Stores a notice in the letter's language, stamped with the instant its job was due. */
	@Transactional(propagation = Propagation.MANDATORY)
	String send(Letter letter, String accountId, String to, NoticeType type, String subject, String body,
			String relatedId, Instant at) {
		return send(accountId, to, type, subject, body, relatedId, at, letter.german() ? germanFooter : footer);
	}

	private String send(@org.jspecify.annotations.Nullable String accountId, String to, NoticeType type, String subject,
			String body, String relatedId, Instant at, String footerText) {
		if (type.carriesOneTimeCode()) {
			// its text must not outlive the code: sendOneTimeCode stores when it expires
			throw new IllegalArgumentException(type + " carries a one-time code: stored by sendOneTimeCode");
		}
		return store(accountId, to, type, subject, body, relatedId, at, footerText);
	}

	private String store(@org.jspecify.annotations.Nullable String accountId, String to, NoticeType type,
			String subject, String body, String relatedId, Instant at, String footerText) {
		String id = Ids.next("ntc");
		boolean stored = jdbc.sql(INSERT)
			.param("queue", mailConfigured && !erased(to))
			.param("id", id)
			.param("account", accountId)
			.param("type", type.name())
			.param("to", to)
			.param("subject", subject)
			.param("body", erased(to) ? null : body)
			.param("related", relatedId)
			.param("at", Timestamp.from(at))
			.param("footer", footerId(footerText))
			.query(String.class)
			.optional()
			.isPresent();
		if (!stored) {
			// A once-only notice (V141) already stored for this subject: the first one stands, nothing goes twice.
			return jdbc.sql("SELECT id FROM notices WHERE type = :type AND related_id = :related ORDER BY created_at LIMIT 1")
				.param("type", type.name())
				.param("related", relatedId)
				.query(String.class)
				.single();
		}
		return id;
	}

	/** A notice to store, for {@link #sendAll(List)}, in its letter's language (its footer follows it). */
	record Draft(String accountId, String to, NoticeType type, String subject, String body, String relatedId,
			Instant at, java.util.Locale language) {

		/** A notice in English. */
		Draft(String accountId, String to, NoticeType type, String subject, String body, String relatedId,
				Instant at) {
			this(accountId, to, type, subject, body, relatedId, at, java.util.Locale.ENGLISH);
		}

		/** A notice written in {@code letter}'s language. */
		Draft(Letter letter, String accountId, String to, NoticeType type, String subject, String body,
				String relatedId, Instant at) {
			this(accountId, to, type, subject, body, relatedId, at, letter.locale());
		}
	}

	/** Stores many notices with one COPY (the renewal engine's receipts and reminders). */
	@Transactional(propagation = Propagation.MANDATORY)
	void sendAll(List<Draft> drafts) {
		if (drafts.isEmpty()) {
			return;
		}
		int english = footerId();
		int german = footerId(germanFooter);
		BulkCopy copy = new BulkCopy(9);
		BulkCopy queue = new BulkCopy(1);
		for (Draft d : drafts) {
			if (d.type().carriesOneTimeCode()) {
				throw new IllegalArgumentException(d.type() + " carries a one-time code: stored by sendOneTimeCode");
			}
			String id = Ids.next("ntc");
			if (mailConfigured && !erased(d.to())) {
				queue.row().text(id);
			}
			copy.row()
				.text(id)
				.text(d.accountId())
				.text(d.type().name())
				.text(d.to())
				.text(d.subject())
				.text(erased(d.to()) ? null : d.body())
				.text(d.relatedId())
				.timestamptz(d.at())
				.int4(java.util.Locale.GERMAN.equals(d.language()) ? german : english);
		}
		copy.into(dataSource, "notices (id, account_id, type, recipient, subject, body, related_id, created_at, footer_id)");
		queue.into(dataSource, "notice_outbox (notice_id)");
	}

	private static boolean erased(String to) {
		return to.startsWith("erased+") && to.endsWith("@invalid");
	}

	@Transactional(readOnly = true)
	public Page<Notice> list(String accountId, Page.Request request) {
		List<Notice> rows = jdbc.sql(SELECT_PAGE)
			.param("account", accountId)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Notices::map)
			.list();
		return Page.of(rows, request.limit(), n -> new Page.Cursor(n.createdAt(), n.seq()));
	}

	/**
	 * The newest notices of every account, newest first: only for the demo mailbox (module demo), which exists in
	 * demo mode only. Nothing else may list notices across accounts.
	 */
	@Transactional(readOnly = true)
	public List<Notice> newestOfAll(int limit) {
		return jdbc.sql("SELECT %s ORDER BY n.created_at DESC, n.seq DESC LIMIT :limit".formatted(COLUMNS))
			.param("limit", limit)
			.query(Notices::map)
			.list();
	}

	/** One notice by its id, whatever its account: only for the demo mailbox (module demo). */
	@Transactional(readOnly = true)
	public java.util.Optional<Notice> byId(String id) {
		return jdbc.sql("SELECT %s WHERE n.id = :id".formatted(COLUMNS)).param("id", id).query(Notices::map).optional();
	}

	/** The newest notice of a type about one thing (a confirmation number, a refund id...) on an account. */
	@Transactional(readOnly = true)
	public java.util.Optional<Notice> find(String accountId, NoticeType type, String relatedId) {
		return jdbc.sql("""
				SELECT %s
				WHERE n.account_id = :account AND n.type = :type AND n.related_id = :related
				ORDER BY n.created_at DESC, n.seq DESC LIMIT 1
				""".formatted(COLUMNS))
			.param("account", accountId)
			.param("type", type.name())
			.param("related", relatedId)
			.query(Notices::map)
			.optional();
	}

	/**
	 * Delivers a stored notice again, with the same content, to {@code to} (the address on file now). The
	 * re-delivery is recorded and, when a mail server is configured, sent; the notice itself stays the one notice
	 * of its event. An erased notice has nothing to send: {@code 409 NOTICE_ERASED}; nor has a one-time code notice,
	 * whose text is erased once sent or expired and is never sent twice (a new code is asked for instead).
	 */
	@Transactional
	public void redeliver(Notice notice, String to, String requestedBy) {
		if (notice.type().carriesOneTimeCode()) {
			throw dev.subdesk.shared.SubdeskException.of(NoticesErrorCode.NOTICE_ERASED,
					"A one-time code is never sent again; ask for a new code");
		}
		if (notice.body() == null || erased(to)) {
			throw dev.subdesk.shared.SubdeskException.of(NoticesErrorCode.NOTICE_ERASED, "This notice's content has been erased");
		}
		jdbc.sql("""
				INSERT INTO notice_redeliveries (notice_id, recipient, requested_by, requested_at)
				VALUES (:notice, :to, :by, :at)
				""").param("notice", notice.id()).param("to", to).param("by", requestedBy)
			.param("at", Timestamp.from(clock.instant())).update();
	}

	/**
	 * Erases personal data from every notice of an account: the recipient becomes the tombstone address. Notices
	 * still waiting in the SMTP outbox keep their content there, for the address they were written to, until they
	 * are sent or fail for good; then the outbox forgets them.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void erase(String accountId, String tombstone) {
		// a one-time code's text is not kept for a closed account: its code is of no use any more
		jdbc.sql("""
				UPDATE notice_outbox o SET recipient = n.recipient, subject = n.subject, body = n.body || coalesce(f.text, '')
				FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE o.notice_id = n.id AND n.account_id = :account AND n.body IS NOT NULL AND o.recipient IS NULL
				  AND n.type NOT IN (%s)
				""".formatted(ONE_TIME_CODE_TYPES)).param("account", accountId).update();
		jdbc.sql(ERASE).param("tombstone", tombstone).param("account", accountId).update();
		jdbc.sql("""
				UPDATE notice_redeliveries r SET recipient = :tombstone, %s
				FROM notices n WHERE n.id = r.notice_id AND n.account_id = :account AND r.recipient <> :tombstone
				""".formatted(ERASED_LAST_ERROR)).param("tombstone", tombstone).param("account", accountId).update();
	}

	/**
	 * Erases an address from the notices that went to it because it was typed as their recipient (the types whose
	 * recipient is typed, whichever account they are stored under). Their bodies repeat nothing typed, so they stay
	 * with the account they concern.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void eraseTypedRecipient(dev.subdesk.accounts.AccountErasing erasing, String tombstone) {
		String typed = """
				(%s OR %s)
				AND n.type IN ('CANCELLATION_REQUEST_RECEIVED', 'WITHDRAWAL_ACKNOWLEDGEMENT')"""
			.formatted(dev.subdesk.accounts.AccountErasing.sqlTypedWithEmail("n.recipient", "n.created_at"),
					dev.subdesk.accounts.AccountErasing.sqlTypedWhileHeld("n.recipient", "n.created_at"));
		// one still queued keeps its content in the outbox, for the address it was written to (as erase does)
		jdbc.sql("""
				UPDATE notice_outbox o SET recipient = n.recipient, subject = n.subject, body = n.body || coalesce(f.text, '')
				FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE o.notice_id = n.id AND n.body IS NOT NULL AND o.recipient IS NULL AND\s""" + typed)
			.params(erasing.params()).update();
		jdbc.sql("UPDATE notices n SET recipient = :tombstone, " + ERASED_N_DELIVERY_ERROR + " WHERE " + typed)
			.param("tombstone", tombstone).params(erasing.params()).update();
	}

	/**
	 * Erases the address of every notice of no account stored before {@code before} (the confirmations of public
	 * requests that named no contract, kept as long as what was typed into them), and its body. One still queued
	 * keeps its content in the outbox until it is sent or fails for good, as {@link #erase} does.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void eraseUnaddressed(Instant before) {
		// the literal predicate is the partial index's (V264), so that only these notices are read
		String unaddressed = "n.account_id IS NULL AND n.recipient <> '" + UNADDRESSED_TOMBSTONE
				+ "' AND n.created_at < :before";
		jdbc.sql("""
				UPDATE notice_outbox o SET recipient = n.recipient, subject = n.subject, body = n.body || coalesce(f.text, '')
				FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE o.notice_id = n.id AND n.body IS NOT NULL AND o.recipient IS NULL AND\s""" + unaddressed)
			.param("before", Timestamp.from(before)).update();
		jdbc.sql("UPDATE notices n SET recipient = '" + UNADDRESSED_TOMBSTONE + "', body = NULL, " + ERASED_N_DELIVERY_ERROR
				+ " WHERE " + unaddressed)
			.param("before", Timestamp.from(before)).update();
	}

	/**
	 * Erases the address typed for the confirmation of a public cancellation request filed under an account, once that
	 * request's 90 days are over and the address was neither the email typed with it nor the account's own
	 * ({@code intake.PublicRequestRetention}): the recipient of the CANCELLATION_REQUEST_RECEIVED notices stored under
	 * that account for that confirmation number (their related id) whose recipient is that address by the rule of
	 * addresses ({@link dev.subdesk.shared.EmailAddresses#SQL_KEY}) becomes {@code erased@invalid}. The notice is
	 * identified by its relation to the request, not by time: each request's confirmation is stored in the request's
	 * transaction with the confirmation number of the cancellation it confirms and the address typed for it. Several
	 * notices match only when the owner sent the form again for the same cancellation, with the same address, within
	 * minutes ({@code PublicCancellations.REPEAT_WINDOW}): those go together, the younger ones by at most that much
	 * early. The body stays, as the closure's erasure of typed recipients leaves it ({@link #eraseTypedRecipient}): it
	 * repeats nothing typed and is the owner's record of their cancellation. One still queued keeps its content in the
	 * outbox until it is sent or fails for good, as {@link #erase} does.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void eraseConfirmationRecipient(String accountId, String confirmationNumber, String address) {
		String confirmation = """
				n.account_id = :account AND n.type = 'CANCELLATION_REQUEST_RECEIVED' AND n.related_id = :number
				AND %s = %s AND n.recipient <> '%s'""".formatted(dev.subdesk.shared.EmailAddresses.sqlKey("n.recipient"),
				dev.subdesk.shared.EmailAddresses.sqlKey(":address"), UNADDRESSED_TOMBSTONE);
		jdbc.sql("""
				UPDATE notice_outbox o SET recipient = n.recipient, subject = n.subject, body = n.body || coalesce(f.text, '')
				FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE o.notice_id = n.id AND n.body IS NOT NULL AND o.recipient IS NULL AND\s""" + confirmation)
			.param("account", accountId).param("number", confirmationNumber).param("address", address).update();
		jdbc.sql("UPDATE notices n SET recipient = '" + UNADDRESSED_TOMBSTONE + "', " + ERASED_N_DELIVERY_ERROR
				+ " WHERE " + confirmation)
			.param("account", accountId).param("number", confirmationNumber).param("address", address).update();
	}

	static Notice map(ResultSet rs, int row) throws SQLException {
		Timestamp sent = rs.getTimestamp("sent_at");
		DeliveryStatus status = DeliveryStatus.valueOf(rs.getString("delivery_status"));
		return new Notice(rs.getString("id"), NoticeType.valueOf(rs.getString("type")), rs.getString("recipient"),
				rs.getString("subject"), rs.getString("body"), rs.getTimestamp("created_at").toInstant(),
				sent == null ? null : sent.toInstant(), rs.getString("related_id"), rs.getLong("seq"), status,
				status == DeliveryStatus.FAILED ? rs.getString("delivery_error") : null);
	}
}
