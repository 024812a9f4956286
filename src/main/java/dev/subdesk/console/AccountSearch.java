package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.CallerVerification;
import dev.subdesk.support.CardSearches;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Finds accounts by what a caller can quote: an email address, an order number ({@code ORD-}), a cancellation
 * confirmation number ({@code CXL-}), a case number ({@code CASE-}), or a name (part of it, any letter case),
 * alone or together with the last four digits of a card. The digits alone find nothing: too many cards share them.
 *
 * <p>The digits are a caller-verification answer, so a search by them is held to an allowance: an agent may run
 * {@link CardSearches#perHour()} in any hour (configured, default {@value CardSearches#DEFAULT_PER_HOUR};
 * {@link CardSearches}, audited as {@value CardSearches#ACTION}: who and when, never the digits), after which such
 * searches are refused. The digits narrow everything the name finds, in one query ({@link Accounts#findByNameAndCard}),
 * when the name finds at most {@value #NAME_MATCHES_WITH_DIGITS} accounts (a vaguer name is refused with them): the
 * search lists only the accounts whose card ends in them, the newest {@value #MAX_HITS}; when more do, it says so and
 * how to narrow it ({@link Results#MORE_WITH_DIGITS}), as a name alone does. An account the digits do not match is not
 * listed, so nothing is told of its cards. The digits are matched against the account's cards now on file (a removed
 * card matches nothing), and a hit shows its cards' brands only, never their digits, whatever matched.
 * It is no verification attempt: it uses none, locks nothing, opens no case and un-verifies nobody. An account whose
 * verification is locked, if the name finds it, is listed whatever its cards, marked as not checked (the lock stops
 * guessing at its answers); when such an account is among more than {@value #MAX_HITS} found, the page says so
 * ({@link Results#MORE_WITH_DIGITS_OR_LOCKED}) rather than that they all have a card ending in the digits.
 *
 * <p>Without the digits, a name (or an email) that finds more than {@value #MAX_HITS} accounts lists the newest
 * {@value #MAX_HITS} and says there are more and how to narrow the search ({@link Results#MORE}), so the agent reaches
 * the others. There is no next page: a search is posted and only its masked results are kept, for one showing, so
 * there is no query to page through (see {@link AccountController}).
 */
@Component
class AccountSearch {

	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final Support support;
	private final CallerVerification verification;
	private final CardSearches cardSearches;

	AccountSearch(Accounts accounts, Subscriptions subscriptions, Cancellations cancellations, Support support,
			CallerVerification verification, CardSearches cardSearches) {
		this.verification = verification;
		this.cardSearches = cardSearches;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.support = support;
	}

	static final int MAX_HITS = 20;

	/** The most accounts a name may find for a card's last four digits to narrow it (see {@link #byCard}). */
	static final int NAME_MATCHES_WITH_DIGITS = 25;

	/** An account found; {@code cardUnchecked} when the card's digits could not be checked (verification locked). */
	record Found(Account account, boolean cardUnchecked) {
	}

	/**
	 * What a search gives: the accounts found, or, when it could not be run, why ({@code problem}); {@code more} when it
	 * found more than {@value #MAX_HITS} and lists the newest of them, saying how to narrow it.
	 */
	record Results(List<Found> found, @Nullable String problem, @Nullable String more) {

		/** Said when a search finds more than it lists. */
		static final String MORE = ("More than %d accounts match; the newest %d are listed. Give more of the name, the "
				+ "card's last four digits with it, or search by the caller's email, an order, confirmation or case number.")
			.formatted(MAX_HITS, MAX_HITS);

		/** Said when a search by a name and a card's digits finds more than it lists (the digits are given already). */
		static final String MORE_WITH_DIGITS = ("More than %d accounts with this name have a card ending in these digits; "
				+ "the newest %d are listed. Give more of the name, or search by the caller's email, an order, confirmation "
				+ "or case number.").formatted(MAX_HITS, MAX_HITS);

		/**
		 * Said instead of {@link #MORE_WITH_DIGITS} when an account whose verification is locked is among those found:
		 * it is found whatever its cards, so not every account counted has a card ending in the digits.
		 */
		static final String MORE_WITH_DIGITS_OR_LOCKED = ("More than %d accounts with this name have a card ending in "
				+ "these digits or their verification locked (listed whatever their cards); the newest %d are listed. "
				+ "Give more of the name, or search by the caller's email, an order, confirmation or case number.")
			.formatted(MAX_HITS, MAX_HITS);

		Results(List<Found> found, @Nullable String problem) {
			this(found, problem, null);
		}

		/** The newest {@value #MAX_HITS} of {@code accounts}, found newest first, at most one more than that. */
		static Results of(List<Account> accounts) {
			List<Found> found = accounts.stream().limit(MAX_HITS).map(a -> new Found(a, false)).toList();
			return new Results(found, null, accounts.size() > MAX_HITS ? MORE : null);
		}
	}

	/** What looks like an order, confirmation or case number is never searched as a name. */
	static final String NUMBER = "(?i)(ORD|CXL|CASE)-.*";

	/** What an agent can search with. */
	sealed interface Query {

		/** Email, order, confirmation or case number, or a name. */
		record Text(String text) implements Query {
		}

		/** A name (part of it) and the last four digits of one of the account's cards. */
		record NameAndCard(String name, String last4) implements Query {
		}

		/** Why the query cannot be run, for the agent. */
		record Invalid(String problem) implements Query {
		}

		/** The query from the search form's two fields; {@code null} when both are blank. */
		static @Nullable Query of(@Nullable String text, @Nullable String last4) {
			String q = text == null ? "" : text.strip();
			String digits = last4 == null ? "" : last4.strip();
			if (digits.isEmpty()) {
				return q.isEmpty() ? null : new Text(q);
			}
			if (!digits.matches("\\d{4}")) {
				return new Invalid("The last four digits of a card are four digits, such as 4242.");
			}
			if (q.length() < 2 || q.contains("@") || q.matches(NUMBER)) {
				return new Invalid("Give the caller's name (at least two letters) together with the card's last four digits.");
			}
			return new NameAndCard(q, digits);
		}
	}

	/** Runs the query for {@code agent}, whose allowance of card-digit searches the digits use (see the class comment). */
	Results find(Query query, String agent) {
		return switch (query) {
			case Query.Text text -> Results.of(find(text.text()));
			case Query.NameAndCard byCard -> byCard(byCard, agent);
			case Query.Invalid invalid -> new Results(List.of(), invalid.problem());
		};
	}

	private Results byCard(Query.NameAndCard query, String agent) {
		if (!cardSearches.allow(agent, AgentLog.CHANNEL)) {
			return new Results(List.of(), ("You have run %d searches with a card's last four digits in the last hour, the most "
					+ "allowed; search by the caller's email, an order, confirmation or case number, or the name alone.")
				.formatted(cardSearches.perHour()));
		}
		// a vague name would tell, in one search, whose card among many strangers ends in the digits: the digits
		// narrow a name that finds at most NAME_MATCHES_WITH_DIGITS accounts (review: the whole name match, unbounded)
		if (accounts.findByName(query.name(), NAME_MATCHES_WITH_DIGITS + 1).size() > NAME_MATCHES_WITH_DIGITS) {
			return new Results(List.of(), ("More than %d accounts have this name; give more of the name, or search by the "
					+ "caller's email, an order, confirmation or case number.").formatted(NAME_MATCHES_WITH_DIGITS));
		}
		// a locked account is listed whatever its cards (its answers are not checked while it is locked)
		Set<String> locked = verification.lockedAccounts();
		List<Account> matched = accounts.findByNameAndCard(query.name(), query.last4(), locked, MAX_HITS + 1);
		List<Found> found = matched.stream().limit(MAX_HITS).map(a -> new Found(a, locked.contains(a.id()))).toList();
		if (matched.size() <= MAX_HITS) {
			return new Results(found, null, null);
		}
		// the count told includes the locked accounts found, listed or not (the one left out may be locked)
		boolean anyLocked = matched.stream().anyMatch(a -> locked.contains(a.id()));
		return new Results(found, null, anyLocked ? Results.MORE_WITH_DIGITS_OR_LOCKED : Results.MORE_WITH_DIGITS);
	}

	/** The accounts {@code query} finds, newest first: at most {@value #MAX_HITS} + 1, which tells there are more. */
	List<Account> find(String query) {
		String q = query.strip();
		if (q.isEmpty()) {
			return List.of();
		}
		if (q.contains("@")) {
			return accounts.findByEmail(q, Page.Request.first(MAX_HITS + 1)).data();
		}
		String number = Ids.normalizeNumber(q);
		Optional<String> accountId;
		if (number.startsWith("ORD-")) {
			accountId = subscriptions.findByOrderNumber(number).map(Subscription::accountId);
		}
		else if (number.startsWith("CXL-")) {
			accountId = cancellations.find(number).map(this::accountOf);
		}
		else if (number.startsWith("CASE-")) {
			accountId = support.find(number).map(SupportCase::accountId);
		}
		else if (q.length() >= 2 && !q.matches(NUMBER)) {
			return accounts.findByName(q, MAX_HITS + 1);
		}
		else {
			accountId = Optional.empty();
		}
		return accountId.flatMap(accounts::find).stream().toList();
	}

	private String accountOf(Cancellation cancellation) {
		return subscriptions.get(cancellation.subscriptionIds().get(0)).accountId();
	}
}
