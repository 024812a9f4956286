package dev.subdesk.support;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The accounts owning support cases (`CASE-...`). */
@Component
class CaseOwners implements AccountOwners {

	private final JdbcClient jdbc;

	CaseOwners(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] mine = AccountOwners.withPrefix(ids, "CASE-");
		return mine.length == 0 ? Set.of()
				: new HashSet<>(jdbc.sql("SELECT account_id FROM support_cases WHERE case_number = ANY(CAST(:ids AS text[])) AND account_id IS NOT NULL")
					.param("ids", mine).query(String.class).list());
	}
}
