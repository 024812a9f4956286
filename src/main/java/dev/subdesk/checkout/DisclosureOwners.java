package dev.subdesk.checkout;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The accounts owning disclosures (`dsc_`) and consents (`cns_`). */
@Component
class DisclosureOwners implements AccountOwners {

	private final JdbcClient jdbc;

	DisclosureOwners(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] mine = AccountOwners.withPrefix(ids, "dsc_", "cns_");
		return mine.length == 0 ? Set.of()
				: new HashSet<>(jdbc.sql("""
						SELECT account_id FROM disclosures WHERE id = ANY(CAST(:ids AS text[]))
						UNION SELECT account_id FROM consents WHERE id = ANY(CAST(:ids AS text[]))""")
					.param("ids", mine).query(String.class).list());
	}
}
