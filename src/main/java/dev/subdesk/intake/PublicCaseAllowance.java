package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.shared.EmailAddresses;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How many support cases the public forms open on one account: at most {@code perAccount} in {@code window} (the
 * same day as the per-email limit of {@link PublicFormLimits}). That limit counts the emails typed, so a stranger
 * who types a customer's order number with a new throwaway email each time passes it; each such request would open
 * a case and tell the customer (CASE_UPDATE). Past this allowance a request is still recorded under the account for
 * an agent and confirmed to the address typed (R-DE-5), but opens no case and tells the customer nothing more. The
 * owner's own requests (typed with the account's email, letter case ignored: {@link #owners}) have an allowance of
 * their own, the same size, which strangers' requests do not use up. The caller holds the account's lock
 * ({@link NamedAccounts}), so parallel requests cannot pass it together.
 */
@Component
class PublicCaseAllowance {

	private static final String CASES = """
			SELECT (SELECT count(*) FROM public_cancellation_requests
			          WHERE account_id = :account AND case_number IS NOT NULL AND received_at > :since AND owners = :owners)
			     + (SELECT count(*) FROM public_withdrawal_requests
			          WHERE account_id = :account AND case_number IS NOT NULL AND received_at > :since AND owners = :owners)
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final int perAccount;
	private final Duration window;

	PublicCaseAllowance(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.portal.public-cases-per-account:10}") int perAccount,
			@Value("${subdesk.portal.public-requests-email-window:P1D}") Duration window) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.perAccount = perAccount;
		this.window = window;
	}

	/**
	 * Whether a public request typed with {@code typedEmail} may open one more case on {@code account}, whose lock the
	 * caller holds: in the owner's allowance when {@link #owners}, else in the strangers'.
	 */
	boolean mayOpenCase(Account account, String typedEmail) {
		return jdbc.sql(CASES)
			.param("account", account.id())
			.param("owners", owners(jdbc, account, typedEmail))
			.param("since", Timestamp.from(clock.instant().minus(window)))
			.query(Long.class)
			.single() < perAccount;
	}

	/**
	 * Whether a request typed with {@code typedEmail} is the owner's own: the email of {@code account} (as read under
	 * its lock), surrounding blanks ignored and by the one rule of addresses ({@link EmailAddresses#SQL_KEY}: letter
	 * case in any script and Unicode form), as the forms decide who the owner is.
	 */
	static boolean owners(JdbcClient jdbc, Account account, String typedEmail) {
		return EmailAddresses.same(jdbc, account.email(), typedEmail.strip());
	}
}
