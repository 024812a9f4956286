package dev.subdesk.shared;

import java.sql.Timestamp;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The retention purges change old rows a slice at a time, each slice its own statement, so that no statement holds
 * many row locks or runs long beside the hot paths; the purge ends with the first slice that is not full.
 */
public final class Slices {

	private Slices() {
	}

	/**
	 * Runs {@code sql}, which binds {@code :before} and {@code :slice} and changes at most a slice of rows, until it
	 * changes fewer than {@code slice}; returns how many rows it changed in all.
	 */
	public static int untilDone(JdbcClient jdbc, String sql, Timestamp before, int slice) {
		int total = 0;
		int changed;
		do {
			changed = jdbc.sql(sql).param("before", before).param("slice", slice).update();
			total += changed;
		}
		while (changed == slice);
		return total;
	}
}
