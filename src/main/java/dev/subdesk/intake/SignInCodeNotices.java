package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.OneTimeCodes;
import jakarta.annotation.PreDestroy;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The SIGN_IN_CODE notice of a code, written after the request that asked for the code has committed, off the
 * request's thread: the request does the same work whether or not an account has the email (the same answer, the
 * same row, no notice), so its time does not tell whether an address is a customer's. Only a code of an account, or
 * one that waits with checkout's new account ({@link SignInCodes.NewAccount}), is ever mailed; a code of an address
 * without either never is, by any path here.
 * <p>
 * Right after the commit, a small pool of this class's own publishes {@link SignInCodeIssued} (its listener in module
 * notices stores the notice) and marks the code's row notified ({@code notified_at}), in one transaction: the notice
 * and the mark commit together or not at all. The account's row is locked first, the notice written, the mark taken
 * last (the account's row first is the order of
 * {@link SignInCodes#issue} and of a closure): a code ended meanwhile (a newer one of the same browser, an email
 * changed) or an account closed meanwhile gets no notice, and a notice is never written twice.
 * <p>
 * The safety net ({@link #sendUnnotified}): a node that stops between the commit and the notice (or a full pool)
 * leaves the row unnotified; each run takes the rows that have waited longer than {@link #GRACE} while their code is
 * still valid and mails them with a new code and link in place of the ones no one received (only their hashes are
 * stored, so the originals cannot be mailed again). A code that expired unsent is left as it is.
 */
@Component
class SignInCodeNotices {

	private static final Logger log = LoggerFactory.getLogger(SignInCodeNotices.class);

	/** How long after its request an unnotified code is left to the request's own hand-off before the safety net. */
	static final Duration GRACE = Duration.ofMinutes(1);

	/** How many codes one run of the safety net mails at most. */
	static final int BATCH = 100;

	/** The hand-offs waiting for the pool at most; past that, the safety net mails them. */
	private static final int QUEUE = 10_000;

	/**
	 * The mark, the last statement of the notice's transaction: only a mailable code (of an account, or waiting with a
	 * new account) still live, still unnotified, and still with the address the notice was written to (a closure
	 * erases it). With a new code and link when the safety net mails it.
	 */
	private static final String MARK_NOTIFIED = """
			UPDATE portal_sign_in_codes SET notified_at = :at, code_hash = coalesce(CAST(:hash AS text), code_hash),
			  link_hash = coalesce(CAST(:linkHash AS text), link_hash)
			WHERE id = :id AND email = :email AND notified_at IS NULL AND used_at IS NULL AND expires_at > :at
			  AND (account_id IS NOT NULL OR pending_email IS NOT NULL)
			""";

	/** The mailable codes the hand-off has not mailed by {@code before} and still valid (V601 indexes them). */
	private static final String UNNOTIFIED = """
			SELECT id, account_id, email, pending_email, pending_country, expires_at FROM portal_sign_in_codes
			WHERE notified_at IS NULL AND (account_id IS NOT NULL OR pending_email IS NOT NULL)
			  AND used_at IS NULL AND expires_at > :now AND created_at <= :before
			ORDER BY created_at LIMIT :batch
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final ApplicationEventPublisher events;
	private final TransactionTemplate tx;

	/** Writes the notices once their requests have committed: two threads, a bounded queue, then the safety net. */
	private final ThreadPoolExecutor writers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
			new ArrayBlockingQueue<>(QUEUE), Thread.ofPlatform().name("sign-in-notice-", 0).daemon().factory());

	SignInCodeNotices(JdbcClient jdbc, Clock clock, Accounts accounts, ApplicationEventPublisher events,
			PlatformTransactionManager txManager) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.events = events;
		this.tx = new TransactionTemplate(txManager);
	}

	/**
	 * A code to mail once the transaction that stored it (with the address key {@code email}) commits. An in-process
	 * event of this module only, for a plain listener: a transactional one would have Spring Modulith keep it in its
	 * event publication registry, and the code and the link's token never go into a table.
	 */
	record Requested(SignInCodeIssued issued, String email) {
	}

	/**
	 * Mails the code on this class's pool once the current transaction has committed; nothing if it rolls back. The
	 * code and the link's token stay in memory only.
	 */
	@EventListener
	void on(Requested requested) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			// no transaction (SignInCodes.issue always has one): the row is committed already
			handOff(requested);
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				handOff(requested);
			}
		});
	}

	private void handOff(Requested requested) {
		SignInCodeIssued issued = requested.issued();
		try {
			writers.execute(() -> {
				try {
					send(issued, requested.email(), false);
				}
				catch (RuntimeException e) {
					log.warn("The notice of sign-in code {} is left to the safety net", issued.codeId(), e);
				}
			});
		}
		catch (RejectedExecutionException e) {
			log.warn("The notice of sign-in code {} is left to the safety net (the pool is full or stopping)",
					issued.codeId());
		}
	}

	/**
	 * The safety net: mails, each with a new code and link, the codes that have waited unnotified longer than
	 * {@link #GRACE} and are still valid, at most {@link #BATCH} a run; returns how many it mailed. Every node may run
	 * it: the mark lets one notice through per code, whoever writes it.
	 */
	@Scheduled(fixedDelayString = "${subdesk.portal.sign-in-notice-sweep-interval:PT1M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int sendUnnotified() {
		Instant now = clock.instant();
		record Unnotified(String id, @Nullable String accountId, String email, @Nullable String pendingEmail,
				@Nullable String pendingCountry, Instant expiresAt) {
		}
		List<Unnotified> rows = jdbc.sql(UNNOTIFIED)
			.param("now", Timestamp.from(now))
			.param("before", Timestamp.from(now.minus(GRACE)))
			.param("batch", BATCH)
			.query((rs, n) -> new Unnotified(rs.getString("id"), rs.getString("account_id"), rs.getString("email"),
					rs.getString("pending_email"), rs.getString("pending_country"),
					rs.getTimestamp("expires_at").toInstant()))
			.list();
		int sent = 0;
		for (Unnotified row : rows) {
			try {
				String code = OneTimeCodes.generate();
				String linkToken = SignInCodes.newLinkToken();
				Optional<SignInCodeIssued> issued;
				if (row.accountId() != null) {
					issued = accounts.find(row.accountId())
						.filter(a -> !a.closed())
						.map(a -> new SignInCodeIssued(row.id(), a.id(), a.email(), a.country(), code, linkToken,
								row.expiresAt()));
				}
				else {
					issued = Optional.of(new SignInCodeIssued(row.id(), null,
							java.util.Objects.requireNonNull(row.pendingEmail()),
							java.util.Objects.requireNonNull(row.pendingCountry()), code, linkToken, row.expiresAt()));
				}
				if (issued.isEmpty()) {
					// its account closed before the notice: nothing to mail, ever; settled, so that later runs do
					// not read it again (no notice was written: notified_at only takes it out of the net)
					jdbc.sql("UPDATE portal_sign_in_codes SET notified_at = :at WHERE id = :id AND notified_at IS NULL")
						.param("at", Timestamp.from(now)).param("id", row.id()).update();
				}
				else if (send(issued.get(), row.email(), true)) {
					sent++;
				}
			}
			catch (RuntimeException e) {
				log.warn("The notice of sign-in code {} is left to the next run", row.id(), e);
			}
		}
		if (sent > 0) {
			log.info("The safety net mailed {} sign-in codes whose notices their requests did not write", sent);
		}
		return sent;
	}

	/**
	 * In one transaction: the notice ({@link SignInCodeIssued}, stored by its listener), then the account's row locked
	 * and read again (open, still with the address), then the mark; with {@code newCode}, the row takes the hashes of
	 * the event's code and link. Nothing is kept (false) unless all of it holds.
	 */
	private boolean send(SignInCodeIssued issued, String email, boolean newCode) {
		Boolean sent = tx.execute(status -> {
			// the account's row first, before the notice's insert takes its key share lock: two hand-offs of one
			// account (a double click) would otherwise each hold that and wait for the other's update lock
			if (issued.accountId() != null) {
				Account account = accounts.lock(issued.accountId());
				if (account.closed() || !EmailAddresses.same(jdbc, account.email(), email)) {
					status.setRollbackOnly();
					return false;
				}
			}
			events.publishEvent(issued);
			int marked = jdbc.sql(MARK_NOTIFIED)
				.param("at", Timestamp.from(clock.instant()))
				.param("hash", newCode ? OneTimeCodes.hash(issued.codeId(), issued.code()) : null)
				.param("linkHash", newCode ? SignInCodes.linkHash(issued.linkToken()) : null)
				.param("id", issued.codeId())
				.param("email", email)
				.update();
			if (marked == 0) {
				// ended, expired or closed meanwhile, or mailed by the other path: the notice goes with the rest
				status.setRollbackOnly();
				return false;
			}
			return true;
		});
		return Boolean.TRUE.equals(sent);
	}

	@PreDestroy
	void stop() {
		writers.shutdown();
	}
}
