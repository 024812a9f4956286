package dev.subdesk.accounts;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The accounts owning payment methods (`pm_`). */
@Component
class PaymentMethodOwners implements AccountOwners {

	private final JdbcClient jdbc;

	PaymentMethodOwners(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] mine = AccountOwners.withPrefix(ids, "pm_");
		return mine.length == 0 ? Set.of()
				: new HashSet<>(jdbc.sql("SELECT account_id FROM payment_methods WHERE id = ANY(CAST(:ids AS text[]))")
					.param("ids", mine).query(String.class).list());
	}
}
