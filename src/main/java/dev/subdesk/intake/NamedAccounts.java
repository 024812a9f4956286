package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Page;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The accounts a public request names, locked and read again: the contract's owner, and the open accounts whose
 * address was typed into the form (as the customer's or for the confirmation). Locking waits for a closure under way,
 * so that what the request files under an account, or keeps with its holder's address, is never written after that
 * closure erased what it found (DESIGN invariant 14). They are locked in id order, so two requests that name the same
 * accounts the other way round never wait for each other in a circle.
 */
record NamedAccounts(Optional<Account> owner, Map<String, Account> locked) {

	/** Locks the account {@code ownerId} (the contract's holder, if the order number named one) and those of {@code emails}. */
	static NamedAccounts lock(Accounts accounts, Optional<String> ownerId, Collection<String> emails) {
		TreeSet<String> ids = new TreeSet<>();
		ownerId.ifPresent(ids::add);
		for (String email : emails) {
			accounts.findByEmail(email, Page.Request.first(1))
				.data()
				.stream()
				.filter(a -> !a.closed())
				.findFirst()
				.ifPresent(a -> ids.add(a.id()));
		}
		Map<String, Account> locked = new TreeMap<>();
		for (String id : ids) {
			locked.put(id, accounts.lock(id));
		}
		return new NamedAccounts(ownerId.map(locked::get).filter(a -> !a.closed()), locked);
	}

	/**
	 * The account the request concerns: the contract's open owner, else the open account with {@code email} (as read
	 * again under its lock); a request that matches nothing is kept for an agent with a case on that account.
	 */
	Optional<Account> concerned(JdbcClient jdbc, String email) {
		return owner.or(() -> locked.values()
			.stream()
			.filter(a -> !a.closed() && EmailAddresses.same(jdbc, a.email(), email))
			.findFirst());
	}
}
