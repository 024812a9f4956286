package dev.subdesk.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The earliest renewal attempt ({@link RenewalQueue#nextDue}, {@link RenewalQueue#lagSeconds}), asked every minute:
 * {@code least} of the minimum of each column, each along its partial index, instead of the minimum of {@code least}
 * over every live subscription (a full scan). The same answer, NULLs included, on tables of every mix of due columns;
 * and a plan that reads no table whole. Each case runs on a temporary {@code subscriptions} of its own (the migrated
 * table's columns and indexes), which hides the shared one for its transaction, rolled back.
 */
@SubdeskIntegrationTest
class EarliestAttemptIntegrationTests {

	/** The statement before: the minimum of {@code least} over every live subscription. */
	private static final String FULL_SCAN = """
			SELECT min(least(next_attempt_at, extra_attempt_at)) FROM subscriptions
			WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew
			""";

	private static final Instant BASE = Instant.parse("2031-03-01T00:00:00Z");

	private static final List<String> STATUSES = List.of("TRIALING", "ACTIVE", "PAST_DUE", "CANCELLED", "EXPIRED");

	@Autowired
	RenewalQueue queue;

	@Autowired
	DataSource dataSource;

	@Autowired
	TransactionTemplate transactions;

	record Row(String status, boolean autoRenew, @Nullable Instant next, @Nullable Instant extra) {

		boolean live() {
			return autoRenew && List.of("TRIALING", "ACTIVE", "PAST_DUE").contains(status);
		}
	}

	static Stream<Arguments> tables() {
		List<Arguments> cases = new ArrayList<>();
		cases.add(Arguments.of("no subscription", List.of()));
		cases.add(Arguments.of("live ones without any attempt", List.of(row("ACTIVE", true, null, null),
				row("PAST_DUE", true, null, null))));
		cases.add(Arguments.of("next attempts only", List.of(row("ACTIVE", true, 50, null), row("TRIALING", true, 20, null))));
		cases.add(Arguments.of("an extra attempt only", List.of(row("PAST_DUE", true, null, 30))));
		cases.add(Arguments.of("the extra attempt first, same row", List.of(row("PAST_DUE", true, 40, -10))));
		cases.add(Arguments.of("the next attempt first, same row", List.of(row("PAST_DUE", true, -10, 40))));
		cases.add(Arguments.of("next on one row, extra on another", List.of(row("ACTIVE", true, 70, null),
				row("PAST_DUE", true, null, 60), row("ACTIVE", true, null, null))));
		cases.add(Arguments.of("earlier attempts only on ended or not auto-renewing ones", List.of(
				row("CANCELLED", true, -100, -200), row("EXPIRED", false, -50, null), row("ACTIVE", false, -300, -400),
				row("ACTIVE", true, 90, null), row("PAST_DUE", true, null, 95))));
		cases.add(Arguments.of("attempts only on ended ones", List.of(row("CANCELLED", true, 10, 20),
				row("ACTIVE", false, 5, null))));
		Random random = new Random(20261208L);
		for (int c = 0; c < 40; c++) {
			List<Row> rows = new ArrayList<>();
			for (int i = random.nextInt(12); i > 0; i--) {
				rows.add(row(STATUSES.get(random.nextInt(STATUSES.size())), random.nextInt(5) > 0,
						random.nextInt(3) == 0 ? null : random.nextInt(4001) - 2000,
						random.nextInt(3) == 0 ? random.nextInt(4001) - 2000 : null));
			}
			cases.add(Arguments.of("random mix " + c, rows));
		}
		return cases.stream();
	}

	private static Row row(String status, boolean autoRenew, @Nullable Integer nextMinutes, @Nullable Integer extraMinutes) {
		return new Row(status, autoRenew, nextMinutes == null ? null : BASE.plusSeconds(60L * nextMinutes),
				extraMinutes == null ? null : BASE.plusSeconds(60L * extraMinutes));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("tables")
	void theEarliestAttemptAndTheLagAreThoseOfEveryLiveAttempt(String name, List<Row> rows) {
		Optional<Instant> expected = rows.stream()
			.filter(Row::live)
			.flatMap(r -> Stream.of(r.next(), r.extra()))
			.filter(java.util.Objects::nonNull)
			.min(Instant::compareTo);
		Instant now = BASE.plusSeconds(600);
		long expectedLag = expected.map(at -> Math.max(0, now.getEpochSecond() - at.getEpochSecond())).orElse(0L);

		transactions.executeWithoutResult(status -> {
			ownTable();
			JdbcClient jdbc = JdbcClient.create(dataSource);
			int i = 0;
			for (Row r : rows) {
				jdbc.sql("""
						INSERT INTO subscriptions (id, status, auto_renew, next_attempt_at, extra_attempt_at)
						VALUES (:id, :status, :autoRenew, :next, :extra)""")
					.param("id", "sub_earliest_" + i++)
					.param("status", r.status())
					.param("autoRenew", r.autoRenew())
					.param("next", at(r.next()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.param("extra", at(r.extra()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.update();
			}
			Optional<Instant> before = jdbc.sql(FULL_SCAN).query((rs, n) -> {
				Timestamp at = rs.getTimestamp(1);
				return at == null ? null : at.toInstant();
			}).optional();

			assertThat(before).as("the full scan's answer on this table (the reference)").isEqualTo(expected);
			assertThat(queue.nextDue()).as("the next due").isEqualTo(expected);
			assertThat(queue.lagSeconds(now)).as("the lag").isEqualTo(expectedLag);
			status.setRollbackOnly();
		});
	}

	private static java.time.@Nullable OffsetDateTime at(@Nullable Instant instant) {
		return instant == null ? null : instant.atOffset(java.time.ZoneOffset.UTC);
	}

	@Test
	void theEarliestAttemptIsFoundAlongTheIndexesNotByReadingEverySubscription() {
		List<String> plans = transactions.execute(status -> {
			ownTable();
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			// 20,000 subscriptions: a tenth ended, a few PAST_DUE with an extra attempt
			jdbc.update("""
					INSERT INTO subscriptions (id, status, auto_renew, next_attempt_at, extra_attempt_at)
					SELECT 'sub_plan_' || i,
					       CASE WHEN i % 10 = 0 THEN 'CANCELLED' WHEN i % 50 = 1 THEN 'PAST_DUE' ELSE 'ACTIVE' END,
					       i % 10 <> 0,
					       CASE WHEN i % 10 <> 0 THEN timestamptz '2031-03-01' + i * interval '1 minute' END,
					       CASE WHEN i % 500 = 1 THEN timestamptz '2031-03-01' + i * interval '2 minutes' END
					FROM generate_series(1, 20000) i""");
			jdbc.execute("ANALYZE pg_temp.subscriptions");
			List<String> explained = new ArrayList<>();
			explained.add(String.join("\n", jdbc.queryForList("EXPLAIN (FORMAT JSON) SELECT " + RenewalQueue.EARLIEST_ATTEMPT,
					String.class)));
			explained.add(String.join("\n", jdbc.queryForList("EXPLAIN (FORMAT JSON) "
					+ RenewalQueue.LAG.replace(":now", "now()"), String.class)));
			status.setRollbackOnly();
			return explained;
		});
		for (String plan : plans) {
			List<String> scans = new ArrayList<>();
			scansOfSubscriptions(JsonMapper.builder().build().readTree(plan), scans);
			assertThat(scans).as(plan).isNotEmpty().doesNotContain("Seq Scan");
		}
	}

	/**
	 * A {@code subscriptions} of this transaction only, hiding the shared one (the temporary schema comes first in the
	 * search path): the migrated table's columns and indexes, without its NOT NULLs (a case fills only the renewal
	 * engine's columns). Plans cached for the shared table are dropped.
	 */
	private void ownTable() {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("CREATE TEMP TABLE subscriptions (LIKE public.subscriptions INCLUDING INDEXES) ON COMMIT DROP");
		jdbc.execute("""
				DO $$
				DECLARE c text;
				BEGIN
				    FOR c IN SELECT attname FROM pg_attribute WHERE attrelid = 'pg_temp.subscriptions'::regclass
				             AND attnum > 0 AND NOT attisdropped AND attnotnull AND attname <> 'id' LOOP
				        EXECUTE format('ALTER TABLE pg_temp.subscriptions ALTER COLUMN %I DROP NOT NULL', c);
				    END LOOP;
				END $$""");
		jdbc.execute("DISCARD PLANS");
	}

	/** The node types of the plan's scans of {@code subscriptions}. */
	private static void scansOfSubscriptions(JsonNode node, List<String> scans) {
		if (node.isObject() && "subscriptions".equals(node.path("Relation Name").asString(""))) {
			scans.add(node.path("Node Type").asString());
		}
		for (JsonNode child : node) {
			scansOfSubscriptions(child, scans);
		}
	}
}
