package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Ids;
import dev.subdesk.support.Support;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
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
 *
 * <p>Typing the account's email proves nothing (anyone who knows it can, {@link PublicCaseAllowance}), so a request
 * sent with it may have its confirmation sent to anyone's address. After the same 90 days a cancellation request filed
 * under an account ({@code owners} or not) loses its confirmation address ({@code erased@invalid}) when that address's
 * key ({@link EmailAddresses#SQL_KEY}) is neither the key of the email typed with it nor that of the account's email
 * now; so does the CANCELLATION_REQUEST_RECEIVED notice sent to it under the account, in the same transaction
 * ({@link ConfirmationAddressesExpired}), and the detail of the case such a request opened, whose line naming the
 * address becomes {@link Support#CONFIRMATION_ADDRESS_ERASED} ({@link Support#eraseConfirmationAddress}). The rest of the owner's request (name, email, reason) is kept until the
 * account closes, as is a confirmation address that is the owner's (the email typed, or the account's now).
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

	/**
	 * A cancellation request filed under an account, received before {@code :before}, whose confirmation address is
	 * not erased yet and is not the email typed with it (by the rule of addresses): that address is kept only while it
	 * is the account's own ({@code :current}, the account's email now).
	 */
	private static final String OTHERS_CONFIRMATION = """
			account_id IS NOT NULL AND received_at < :before
			  AND confirmation_email <> :email AND confirmation_email NOT LIKE 'erased+%%@invalid'
			  AND %s <> %s
			""".formatted(EmailAddresses.sqlKey("confirmation_email"), EmailAddresses.sqlKey("email"));

	/**
	 * Erases those confirmation addresses of one account's requests that are not its email now either; answers, for
	 * each such request that cancelled something (its confirmation went under the account) or opened a case (whose
	 * detail names the address), its account, confirmation number, case number and the address as it was.
	 */
	private static final String ERASE_OTHERS_CONFIRMATIONS = """
			WITH erased AS (
			    UPDATE public_cancellation_requests r SET confirmation_email = :email
			    FROM (SELECT id, confirmation_email FROM public_cancellation_requests
			          WHERE account_id = :account AND %s AND %s <> %s
			          FOR UPDATE) o
			    WHERE r.id = o.id
			    RETURNING r.account_id, r.confirmation_number, r.case_number, o.confirmation_email)
			SELECT account_id, confirmation_number, case_number, confirmation_email FROM erased
			WHERE confirmation_number IS NOT NULL OR case_number IS NOT NULL
			""".formatted(OTHERS_CONFIRMATION, EmailAddresses.sqlKey("confirmation_email"), EmailAddresses.sqlKey(":current"));

	/** A request whose confirmation address was just erased: what cancelled or opened a case with it, and the address. */
	private record Erased(String accountId, @Nullable String confirmationNumber, @Nullable String caseNumber,
			String address) {
	}

	/** An order number as Subdesk gives them: kept when erasing; anything else typed there is erased with the rest. */
	static final String ORDER_NUMBER_SHAPE = "^ORD-[" + Ids.CROCKFORD + "]{4}-[" + Ids.CROCKFORD + "]{4}$";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final ApplicationEventPublisher events;

	private final TransactionTemplate transactions;

	private final Support support;

	private final Accounts accounts;

	PublicRequestRetention(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events,
			TransactionTemplate transactions, Support support, Accounts accounts) {
		this.support = support;
		this.accounts = accounts;
		this.jdbc = jdbc;
		this.clock = clock;
		this.events = events;
		this.transactions = transactions;
	}

	@Scheduled(fixedDelayString = "${subdesk.portal.public-request-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void purge() {
		// in a transaction of its own: called on this object, erase's own @Transactional would not apply, and the
		// erasure of the confirmations' addresses (UnmatchedRequestsExpired, ConfirmationAddressesExpired) needs the one
		// it runs in
		transactions.executeWithoutResult(status -> erase(clock.instant()));
	}

	/**
	 * Erases what was typed into strangers' requests (unmatched, or not sent with the email of the account they are
	 * filed under) received more than 90 days before {@code now}, the detail of the cases they opened, and the address
	 * the unmatched ones' confirmations went to ({@link UnmatchedRequestsExpired}); and the confirmation address of
	 * cancellation requests filed under an account, received as long ago, that is neither the email typed with it nor
	 * the account's email now, with the recipient of the notice sent to it ({@link ConfirmationAddressesExpired}) and
	 * the line of the case it opened that named it;
	 * returns how many strangers' requests.
	 */
	@Transactional
	public int erase(Instant now) {
		Timestamp before = Timestamp.from(now.minus(RETENTION));
		eraseOthersConfirmations(before);
		List<String> cases = jdbc.sql("""
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

	/**
	 * The confirmation addresses of requests filed under an account, received before {@code before}, that are neither
	 * the email typed with the request nor the account's email now (read from module accounts, one account at a time:
	 * this module does not read its tables), erased, and from the detail of the cases those requests opened (module
	 * support, which owns them); then {@link ConfirmationAddressesExpired} for the notices sent to them. Runs before the strangers' erasure, which would otherwise leave these rows with no address to match their
	 * notices by. A row kept because its address is the account's now is looked at again on later passes: should the
	 * account's email change, it goes then.
	 */
	private void eraseOthersConfirmations(Timestamp before) {
		List<String> accountIds = jdbc
			.sql("SELECT DISTINCT account_id FROM public_cancellation_requests WHERE " + OTHERS_CONFIRMATION)
			.param("email", ERASED_EMAIL)
			.param("before", before)
			.query(String.class)
			.list();
		List<ConfirmationAddressesExpired.Confirmation> confirmed = new ArrayList<>();
		for (String accountId : accountIds) {
			Optional<Account> account = accounts.find(accountId);
			if (account.isEmpty()) {
				continue;
			}
			List<Erased> erased = jdbc.sql(ERASE_OTHERS_CONFIRMATIONS)
				.param("email", ERASED_EMAIL)
				.param("before", before)
				.param("account", accountId)
				.param("current", account.get().email())
				.query((rs, n) -> new Erased(rs.getString("account_id"), rs.getString("confirmation_number"),
						rs.getString("case_number"), rs.getString("confirmation_email")))
				.list();
			for (Erased e : erased) {
				String caseNumber = e.caseNumber();
				if (caseNumber != null) {
					// the case the request opened repeats the address in its detail
					support.eraseConfirmationAddress(caseNumber, e.address());
				}
				String number = e.confirmationNumber();
				if (number != null) {
					confirmed.add(new ConfirmationAddressesExpired.Confirmation(e.accountId(), number, e.address()));
				}
			}
		}
		if (!confirmed.isEmpty()) {
			events.publishEvent(new ConfirmationAddressesExpired(confirmed));
		}
	}
}
