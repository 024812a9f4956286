package dev.subdesk.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the writes of rows that meet a condition until released, as a slow statement would: a trigger makes the write
 * wait for an advisory lock the test holds, so work is caught in its middle. Each holder names its own trigger and
 * lock, so test classes running side by side do not meet. {@link GatewayHold} and {@link SubscriptionUpdateHold} name
 * what they hold.
 */
public class RowWriteHold implements AutoCloseable {

	private final JdbcClient jdbc;
	private final String name;
	private final String table;
	private final long lock;
	private final Connection holder;
	private boolean held;

	/**
	 * Holds {@code write} ({@code INSERT} or {@code UPDATE}) on {@code table} for the rows meeting {@code condition}
	 * (on {@code NEW}, and {@code OLD} for an update), with trigger {@code name} and advisory lock {@code lock}.
	 */
	protected RowWriteHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String write, String table,
			String condition) throws SQLException {
		this.jdbc = jdbc;
		this.name = name;
		this.table = table;
		this.lock = lock;
		holder = dataSource.getConnection();
		holder.setAutoCommit(true);
		try (Statement statement = holder.createStatement()) {
			statement.execute("SELECT pg_advisory_lock(" + lock + ")");
		}
		held = true;
		jdbc.sql("""
				CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  PERFORM pg_advisory_xact_lock(%d);
				  RETURN NEW;
				END $$""".formatted(name, lock)).update();
		jdbc.sql("CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW WHEN (%s) EXECUTE FUNCTION %s()"
			.formatted(name, write, table, condition, name)).update();
	}

	/** Waits until a write is held. */
	public void awaitHeld(String what) {
		Awaitility.await(what)
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> jdbc.sql("""
					SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = :o
					""").param("o", lock).query(Long.class).single() > 0);
	}

	/** Lets the held writes through. */
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
			jdbc.sql("DROP TRIGGER IF EXISTS " + name + " ON " + table).update();
			jdbc.sql("DROP FUNCTION IF EXISTS " + name + "()").update();
		}
	}
}
