package dev.subdesk.intake;

import dev.subdesk.shared.Ids;
import dev.subdesk.support.Support;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a stranger typed into a public cancellation or withdrawal form (name, email, confirmation address, reason,
 * and an order number that is not shaped like one) is kept 90 days, long enough to answer a customer who says "I
 * cancelled and you never found my contract", and then erased; the request itself (time, order number typed, result)
 * stays. A stranger here is anyone who did not type the email of the account the request concerns: a request that
 * matched no account, and one filed under an account (its order number) but sent with another email, whose sender
 * is not the account's customer and so is not erased when that account closes; the detail of the support case such
 * a request opened, which repeats what was typed, is erased then too ({@link Support#eraseStrangersWords}). The
 * owner's own requests are erased with their account when it closes. The confirmations of all unmatched requests,
 * sent under no account to a typed address, lose that address after the same 90 days.
 */
@Component
public class PublicRequestRetention {

	static final Duration RETENTION = Duration.ofDays(90);

	static final String ERASED_NAME = "Erased";

	static final String ERASED_EMAIL = "erased@invalid";

	/**
	 * A stranger's request received before {@code :before} and not erased yet: one that matched no account, or one
	 * filed under an account but not sent with its email ({@code owners}, decided when it was received). Requests
	 * erased with a closed account have that account's tombstone for their email and are left as they are.
	 */
	private static final String STRANGERS = """
			(account_id IS NULL OR NOT owners) AND received_at < :before AND email <> :email
			  AND email NOT LIKE 'erased+%@invalid'
			""";

	/** An order number as Subdesk gives them: kept when erasing; anything else typed there is erased with the rest. */
	static final String ORDER_NUMBER_SHAPE = "^ORD-[" + Ids.CROCKFORD + "]{4}-[" + Ids.CROCKFORD + "]{4}$";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final ApplicationEventPublisher events;

	private final TransactionTemplate transactions;

	private final Support support;

	PublicRequestRetention(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events,
			TransactionTemplate transactions, Support support) {
		this.support = support;
		this.jdbc = jdbc;
		this.clock = clock;
		this.events = events;
		this.transactions = transactions;
	}

	@Scheduled(fixedDelayString = "${subdesk.portal.public-request-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void purge() {
		// in a transaction of its own: called on this object, erase's own @Transactional would not apply, and the
		// erasure of the confirmations' addresses (UnmatchedRequestsExpired) needs the one it runs in
		transactions.executeWithoutResult(status -> erase(clock.instant()));
	}

	/**
	 * Erases what was typed into strangers' requests (unmatched, or not sent with the email of the account they are
	 * filed under) received more than 90 days before {@code now}, the detail of the cases they opened, and the address
	 * the unmatched ones' confirmations went to ({@link UnmatchedRequestsExpired}); returns how many requests.
	 */
	@Transactional
	public int erase(Instant now) {
		Timestamp before = Timestamp.from(now.minus(RETENTION));
		java.util.List<String> cases = jdbc.sql("""
				SELECT case_number FROM public_cancellation_requests
				WHERE """ + STRANGERS + """
				  AND case_number IS NOT NULL
				UNION SELECT case_number FROM public_withdrawal_requests
				WHERE """ + STRANGERS + """
				  AND case_number IS NOT NULL""")
			.param("email", ERASED_EMAIL)
			.param("before", before)
			.query(String.class)
			.list();
		support.eraseStrangersWords(cases);
		int cancellations = jdbc.sql("""
				UPDATE public_cancellation_requests
				SET name = :name, email = :email, confirmation_email = :email, reason = NULL,
				    order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE :name END
				WHERE """ + STRANGERS)
			.param("shape", ORDER_NUMBER_SHAPE)
			.param("name", ERASED_NAME)
			.param("email", ERASED_EMAIL)
			.param("before", before)
			.update();
		int withdrawals = jdbc.sql("""
				UPDATE public_withdrawal_requests SET name = :name, email = :email,
				    order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE :name END
				WHERE """ + STRANGERS)
			.param("shape", ORDER_NUMBER_SHAPE)
			.param("name", ERASED_NAME)
			.param("email", ERASED_EMAIL)
			.param("before", before)
			.update();
		events.publishEvent(new UnmatchedRequestsExpired(before.toInstant()));
		return cancellations + withdrawals;
	}
}
