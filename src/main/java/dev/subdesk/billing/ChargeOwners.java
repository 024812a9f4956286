package dev.subdesk.billing;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The accounts owning charges (`ch_`) and refunds (`re_`). */
@Component
class ChargeOwners implements AccountOwners {

	private final JdbcClient jdbc;

	ChargeOwners(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] mine = AccountOwners.withPrefix(ids, "ch_", "re_");
		return mine.length == 0 ? Set.of()
				: new HashSet<>(jdbc.sql("""
						SELECT account_id FROM charges WHERE id = ANY(CAST(:ids AS text[]))
						UNION SELECT account_id FROM refunds WHERE id = ANY(CAST(:ids AS text[]))""")
					.param("ids", mine).query(String.class).list());
	}
}
