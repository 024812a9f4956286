package dev.subdesk.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the updates of subscription rows that meet a condition (on {@code OLD} and {@code NEW}) until released, as a
 * slow statement would: a trigger makes the update wait for an advisory lock the test holds, so a job is caught in the
 * middle of its work (a reminder batch's claim, a scheduled end taking effect). Each holder names its own trigger and
 * lock, so test classes running side by side do not meet.
 */
public final class SubscriptionUpdateHold implements AutoCloseable {

	private final JdbcClient jdbc;
	private final String name;
	private final long lock;
	private final Connection holder;
	private boolean held;

	/** Holds the updates of subscriptions that meet {@code condition}, with trigger {@code name} and lock {@code lock}. */
	public SubscriptionUpdateHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String condition)
			throws SQLException {
		this.jdbc = jdbc;
		this.name = name;
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
		jdbc.sql("CREATE TRIGGER %s BEFORE UPDATE ON subscriptions FOR EACH ROW WHEN (%s) EXECUTE FUNCTION %s()"
			.formatted(name, condition, name)).update();
	}

	/** Waits until an update is held. */
	public void awaitHeld(String what) {
		Awaitility.await(what)
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> jdbc.sql("""
					SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = :o
					""").param("o", lock).query(Long.class).single() > 0);
	}

	/** Lets the held updates through. */
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
			jdbc.sql("DROP TRIGGER IF EXISTS " + name + " ON subscriptions").update();
			jdbc.sql("DROP FUNCTION IF EXISTS " + name + "()").update();
		}
	}
}
