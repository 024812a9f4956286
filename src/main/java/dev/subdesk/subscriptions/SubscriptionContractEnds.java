package dev.subdesk.subscriptions;

import dev.subdesk.checkout.ContractEnds;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The end of each subscription's contract ({@code ended_at}, written by {@link Subscriptions#end}) for checkout. */
@Component
class SubscriptionContractEnds implements ContractEnds {

	private final JdbcClient jdbc;

	SubscriptionContractEnds(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> endedBefore(Collection<String> subscriptionIds, Instant before) {
		if (subscriptionIds.isEmpty()) {
			return Set.of();
		}
		return new HashSet<>(jdbc.sql("""
				SELECT id FROM subscriptions WHERE id = ANY(CAST(:ids AS text[]))
				AND status IN ('CANCELLED', 'EXPIRED') AND ended_at < :before
				""")
			.param("ids", subscriptionIds.toArray(String[]::new))
			.param("before", Timestamp.from(before))
			.query(String.class)
			.list());
	}
}
