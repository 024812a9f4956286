package dev.subdesk.testing;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a test that waited in vain for a webhook delivery prints: the fan-out queue, the database's busy sessions and
 * the dispatcher threads' stacks, so that a timeout in a clean-clone run says why.
 */
public final class DispatcherDiagnostics {

	private DispatcherDiagnostics() {
	}

	public static String describe(JdbcClient jdbc) {
		StringBuilder out = new StringBuilder();
		out.append("\nfan-out queue: ")
			.append(jdbc.sql("SELECT count(*) || ' rows, oldest ' || coalesce(min(position)::text, '-') FROM webhook_fanout")
				.query(String.class)
				.single());
		out.append("\nendpoints: ")
			.append(jdbc.sql("SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM webhook_endpoint GROUP BY status) s")
				.query(String.class)
				.optional()
				.orElse("-"));
		out.append("\ndeliveries: ")
			.append(jdbc.sql("SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM webhook_delivery GROUP BY status) s")
				.query(String.class)
				.optional()
				.orElse("-"));
		out.append("\nbusy sessions:");
		jdbc.sql("""
				SELECT pid || ' ' || state || ' ' || coalesce(wait_event_type || '/' || wait_event, '') || ' for '
				    || (now() - coalesce(xact_start, query_start)) || ': ' || left(query, 160)
				FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
				""").query(String.class).list().forEach(line -> out.append("\n  ").append(line));
		out.append("\nadvisory locks: ")
			.append(jdbc.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").query(Long.class).single());
		for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
			if (thread.getKey().getName().startsWith("webhook-")) {
				out.append("\nthread ").append(thread.getKey().getName()).append(' ').append(thread.getKey().getState());
				out.append(Arrays.stream(thread.getValue()).limit(25).map(e -> "\n    at " + e).collect(Collectors.joining()));
			}
		}
		return out.toString();
	}
}
