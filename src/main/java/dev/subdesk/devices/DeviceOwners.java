package dev.subdesk.devices;

import dev.subdesk.shared.AccountOwners;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The accounts owning devices (`dev_`), removed ones too. */
@Component
class DeviceOwners implements AccountOwners {

	private final JdbcClient jdbc;

	DeviceOwners(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> owning(Collection<String> ids) {
		String[] mine = AccountOwners.withPrefix(ids, "dev_");
		return mine.length == 0 ? Set.of()
				: new HashSet<>(jdbc.sql("SELECT account_id FROM devices WHERE id = ANY(CAST(:ids AS text[]))")
					.param("ids", mine).query(String.class).list());
	}
}
