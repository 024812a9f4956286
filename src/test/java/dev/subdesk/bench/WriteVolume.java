package dev.subdesk.bench;

import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What PostgreSQL wrote, from its cumulative statistics ({@code pg_stat_wal}, {@code pg_stat_io}): WAL records,
 * full-page images and bytes, and the data pages written out by client backends (evicting a dirty page to make room),
 * the checkpointer and the background writer; and the autovacuum runs that finished. Read before and after a run, the difference says where the write
 * volume of the run went. The counters of other sessions reach the views when those flush their statistics (at the
 * latest about a second after their last transaction), so the figures are near, not exact.
 */
record WriteVolume(long walRecords, long fullPageImages, long walBytes, long backendWrites, long checkpointerWrites,
		long bgwriterWrites, long autovacuums, long autoanalyzes) {

	static WriteVolume of(DataSource dataSource) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		jdbc.sql("SELECT pg_stat_force_next_flush()").query().listOfRows();
		return jdbc.sql("""
				SELECT w.wal_records, w.wal_fpi, w.wal_bytes::bigint AS wal_bytes,
				    (SELECT coalesce(sum(writes), 0) FROM pg_stat_io
				     WHERE backend_type = 'client backend' AND object = 'relation')::bigint AS backend_writes,
				    (SELECT coalesce(sum(writes), 0) FROM pg_stat_io
				     WHERE backend_type = 'checkpointer' AND object = 'relation')::bigint AS checkpointer_writes,
				    (SELECT coalesce(sum(writes), 0) FROM pg_stat_io
				     WHERE backend_type = 'background writer' AND object = 'relation')::bigint AS bgwriter_writes,
				    (SELECT coalesce(sum(autovacuum_count), 0) FROM pg_stat_user_tables)::bigint AS autovacuums,
				    (SELECT coalesce(sum(autoanalyze_count), 0) FROM pg_stat_user_tables)::bigint AS autoanalyzes
				FROM pg_stat_wal w
				""")
			.query((rs, n) -> new WriteVolume(rs.getLong("wal_records"), rs.getLong("wal_fpi"), rs.getLong("wal_bytes"),
					rs.getLong("backend_writes"), rs.getLong("checkpointer_writes"), rs.getLong("bgwriter_writes"),
					rs.getLong("autovacuums"), rs.getLong("autoanalyzes")))
			.single();
	}

	WriteVolume minus(WriteVolume before) {
		return new WriteVolume(walRecords - before.walRecords, fullPageImages - before.fullPageImages,
				walBytes - before.walBytes, backendWrites - before.backendWrites,
				checkpointerWrites - before.checkpointerWrites, bgwriterWrites - before.bgwriterWrites,
				autovacuums - before.autovacuums, autoanalyzes - before.autoanalyzes);
	}

	void print(long renewals) {
		long n = Math.max(1, renewals);
		System.out.printf("WAL                 %,d MB: %.1f records, %.2f full-page images, %,.0f bytes a renewal%n",
				walBytes / (1024 * 1024), (double) walRecords / n, (double) fullPageImages / n, (double) walBytes / n);
		System.out.printf("data pages written  by backends %,d, checkpointer %,d, background writer %,d (8 kB each)%n",
				backendWrites, checkpointerWrites, bgwriterWrites);
		System.out.printf("autovacuum          %d vacuums and %d analyzes of tables finished during the run%n", autovacuums,
				autoanalyzes);
	}
}
