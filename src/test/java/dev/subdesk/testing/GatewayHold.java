package dev.subdesk.testing;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the sandbox gateway's payments whose idempotency key starts with a prefix where the sandbox writes them to its
 * ledger, as a slow gateway would, until released ({@link RowWriteHold}).
 */
public final class GatewayHold extends RowWriteHold {

	/** Holds the payments whose key starts with {@code keyPrefix}, with trigger {@code name} and advisory lock {@code lock}. */
	public GatewayHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String keyPrefix)
			throws SQLException {
		super(jdbc, dataSource, name, lock, "INSERT", "sandbox_gateway_payments",
				"NEW.idempotency_key LIKE '%s%%'".formatted(keyPrefix));
	}
}
