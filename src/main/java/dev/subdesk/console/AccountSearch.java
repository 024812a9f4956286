package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Finds accounts by what a caller can quote: an email address, an order number ({@code ORD-}), a cancellation
 * confirmation number ({@code CXL-}), a case number ({@code CASE-}), or a name (part of it, any letter case),
 * alone or together with the last four digits of a card. The digits alone find nothing: too many cards share them.
 */
@Component
class AccountSearch {

	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final Support support;

	AccountSearch(Accounts accounts, Subscriptions subscriptions, Cancellations cancellations, Support support) {
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.support = support;
	}

	static final int MAX_HITS = 20;

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

	List<Account> find(Query query) {
		return switch (query) {
			case Query.Text text -> find(text.text());
			case Query.NameAndCard byCard -> accounts.findByName(byCard.name(), byCard.last4(), MAX_HITS);
			case Query.Invalid invalid -> List.of();
		};
	}

	List<Account> find(String query) {
		String q = query.strip();
		if (q.isEmpty()) {
			return List.of();
		}
		if (q.contains("@")) {
			return accounts.findByEmail(q, Page.Request.first(MAX_HITS)).data();
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
			return accounts.findByName(q, null, MAX_HITS);
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
