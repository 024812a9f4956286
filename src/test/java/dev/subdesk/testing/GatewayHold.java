package dev.subdesk.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the sandbox gateway's payments whose idempotency key starts with a prefix where the sandbox writes them to its
 * ledger, as a slow gateway would, until released: a trigger makes the ledger write wait for an advisory lock the
 * test holds. Each holder names its own trigger and lock, so test classes running side by side do not meet.
 */
public final class GatewayHold implements AutoCloseable {

	private final JdbcClient jdbc;
	private final String name;
	private final long lock;
	private final Connection holder;
	private boolean held;

	/** Holds the payments whose key starts with {@code keyPrefix}, with trigger {@code name} and advisory lock {@code lock}. */
	public GatewayHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String keyPrefix)
			throws SQLException {
		this.jdbc = jdbc;
		this.name = name;
		this.lock = lock;
		jdbc.sql("""
				CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  PERFORM pg_advisory_xact_lock(%d);
				  RETURN NEW;
				END $$""".formatted(name, lock)).update();
		jdbc.sql("""
				CREATE TRIGGER %s BEFORE INSERT ON sandbox_gateway_payments FOR EACH ROW
				WHEN (NEW.idempotency_key LIKE '%s%%') EXECUTE FUNCTION %s()""".formatted(name, keyPrefix, name)).update();
		holder = dataSource.getConnection();
		holder.setAutoCommit(true);
		try (Statement statement = holder.createStatement()) {
			statement.execute("SELECT pg_advisory_lock(" + lock + ")");
		}
		held = true;
	}

	/** Waits until a payment is held at the ledger write. */
	public void awaitHeld(String what) {
		Awaitility.await(what)
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> jdbc.sql("""
					SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = :o
					""").param("o", lock).query(Long.class).single() > 0);
	}

	/** Lets the held payments through. */
	public void release() throws SQLException {
		if (held) {
			try (Statement unlock = holder.createStatement()) {
				unlock.execute("SELECT pg_advisory_unlock(" + lock + ")");
			}
			held = false;
		}
	}

	@Override
	public void close() throws SQLException {
		try {
			release();
			holder.close();
		}
		finally {
			jdbc.sql("DROP TRIGGER " + name + " ON sandbox_gateway_payments").update();
			jdbc.sql("DROP FUNCTION " + name + "()").update();
		}
	}
}
