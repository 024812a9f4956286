package dev.subdesk.testing;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Holds the inserts of notices that meet a condition (on {@code NEW}) until released ({@link RowWriteHold}): whatever
 * writes such a notice waits there, as it would for a notices table that is locked or slow.
 */
public final class NoticeWriteHold extends RowWriteHold {

	/** Holds the inserts of notices that meet {@code condition}, with trigger {@code name} and lock {@code lock}. */
	public NoticeWriteHold(JdbcClient jdbc, DataSource dataSource, String name, long lock, String condition)
			throws SQLException {
		super(jdbc, dataSource, name, lock, "INSERT", "notices", condition);
	}
}
