package dev.subdesk.testing;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the updates of subscription rows that meet a condition (on {@code OLD} and {@code NEW}) until released
 * ({@link RowWriteHold}): a job is caught in the middle of its work (a reminder batch's claim, a scheduled end taking
 * effect).
 */
public final class SubscriptionUpdateHold extends RowWriteHold {

	/** Holds the updates of subscriptions that meet {@code condition}, with trigger {@code name} and lock {@code lock}. */
	public SubscriptionUpdateHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String condition)
			throws SQLException {
		super(jdbc, dataSource, name, lock, "UPDATE", "subscriptions", condition);
	}
}
