package dev.subdesk.cancellation;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import dev.subdesk.subscriptions.Subscriptions;
import org.springframework.stereotype.Component;

/** The accounts owning cancellations (`CXL-...`), withdrawals (`WDR-...`) and retention offers (`off_`, by their subscription's account). */
@Component
class CancellationOwners implements AccountOwners {

	private final JdbcClient jdbc;
	private final Subscriptions subscriptions;

	CancellationOwners(JdbcClient jdbc, Subscriptions subscriptions) {
		this.jdbc = jdbc;
		this.subscriptions = subscriptions;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] numbers = AccountOwners.withPrefix(ids, "CXL-", "WDR-");
		String[] offers = AccountOwners.withPrefix(ids, "off_");
		Set<String> owners = new HashSet<>();
		// each table is asked only about ids of its own kind: a cancellation's answer names no offer
		if (numbers.length > 0) {
			owners.addAll(jdbc.sql("""
					SELECT account_id FROM cancellations WHERE confirmation_number = ANY(CAST(:ids AS text[]))
					UNION SELECT account_id FROM withdrawals WHERE reference_number = ANY(CAST(:ids AS text[]))""")
				.param("ids", numbers).query(String.class).list());
		}
		if (offers.length > 0) {
			jdbc.sql("SELECT DISTINCT subscription_id FROM offers WHERE id = ANY(CAST(:ids AS text[]))")
				.param("ids", offers)
				.query(String.class)
				.list()
				.forEach(subscription -> subscriptions.find(subscription).ifPresent(s -> owners.add(s.accountId())));
		}
		return owners;
	}
}
