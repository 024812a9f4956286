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
 * an agent and confirmed to the address typed (R-DE-5), but opens no case and tells the customer nothing more.
 *
 * <p>The requests sent signed in to the portal as the account ({@code signed_in}: the owner, proven by a sign-in code
 * from the account's mailbox) have an allowance of their own, the same size, which no other request uses up. Typing
 * the account's email proves nothing (anyone who knows it can type it), so requests typed with it but not signed in
 * share the allowance of everyone else's: a stranger can use that up, never the signed-in owner's. An account is thus
 * told of at most twice {@code perAccount} cases from the public forms a day (20 by default): {@code perAccount} from
 * requests not signed in, whoever sent them, and {@code perAccount} from its owner signed in. The caller holds the
 * account's lock ({@link NamedAccounts}), so parallel requests cannot pass it together.
 */
@Component
class PublicCaseAllowance {

	private static final String CASES = """
			SELECT (SELECT count(*) FROM public_cancellation_requests
			          WHERE account_id = :account AND case_number IS NOT NULL AND received_at > :since AND signed_in = :signedIn)
			     + (SELECT count(*) FROM public_withdrawal_requests
			          WHERE account_id = :account AND case_number IS NOT NULL AND received_at > :since AND signed_in = :signedIn)
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
	 * Whether a public request may open one more case on {@code account}, whose lock the caller holds: in the signed-in
	 * owner's allowance when {@code signedIn} (sent signed in to the portal as this account), else in the allowance of
	 * every request not signed in, whatever email it was typed with.
	 */
	boolean mayOpenCase(Account account, boolean signedIn) {
		return jdbc.sql(CASES)
			.param("account", account.id())
			.param("signedIn", signedIn)
			.param("since", Timestamp.from(clock.instant().minus(window)))
			.query(Long.class)
			.single() < perAccount;
	}

	/**
	 * Whether a request typed with {@code typedEmail} was typed with the email of {@code account} (as read under its
	 * lock), surrounding blanks ignored and by the one rule of addresses ({@link EmailAddresses#SQL_KEY}: letter case
	 * in any script and Unicode form): what the closure erases with the account ({@code owners}). It proves nothing
	 * about who sent it, so it decides no allowance.
	 */
	static boolean owners(JdbcClient jdbc, Account account, String typedEmail) {
		return EmailAddresses.same(jdbc, account.email(), typedEmail.strip());
	}
}
