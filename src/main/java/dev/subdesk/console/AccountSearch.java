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
import org.springframework.stereotype.Component;

/**
 * Finds accounts by what a caller can quote: an email address, an order number ({@code ORD-}), a cancellation
 * confirmation number ({@code CXL-}) or a case number ({@code CASE-}).
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

	List<Account> find(String query) {
		String q = query.strip();
		if (q.isEmpty()) {
			return List.of();
		}
		if (q.contains("@")) {
			return accounts.findByEmail(q, Page.Request.first(20)).data();
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
		else {
			accountId = Optional.empty();
		}
		return accountId.flatMap(accounts::find).stream().toList();
	}

	private String accountOf(Cancellation cancellation) {
		return subscriptions.get(cancellation.subscriptionIds().get(0)).accountId();
	}
}
