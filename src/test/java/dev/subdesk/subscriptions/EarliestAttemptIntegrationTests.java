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

	@Autowired
	dev.subdesk.jurisdictions.Jurisdictions jurisdictions;

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
			Optional<Instant> before = instant(jdbc, FULL_SCAN);

			assertThat(before).as("the full scan's answer on this table (the reference)").isEqualTo(expected);
			assertThat(queue.nextDue()).as("the next due").isEqualTo(expected);
			assertThat(queue.lagSeconds(now)).as("the lag").isEqualTo(expectedLag);
			status.setRollbackOnly();
		});
	}

	/** The one timestamp {@code sql} answers, empty when NULL. */
	private static Optional<Instant> instant(JdbcClient jdbc, String sql) {
		return jdbc.sql(sql).query((rs, n) -> {
			Timestamp at = rs.getTimestamp(1);
			return at == null ? null : at.toInstant();
		}).optional();
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
		plans.forEach(plan -> assertScans(plan, "Seq Scan"));
	}

	/** The next-due statement before: each notice branch the minimum of an expression over every subscription. */
	private static final String NEXT_DUE_FULL_SCAN = """
			SELECT min(due) FROM (
			    SELECT %1$s AS due
			    UNION ALL
			    SELECT min(current_period_end - (CASE term WHEN 'P1Y' THEN interval '%2$d days' ELSE interval '%3$d days' END))
			    FROM subscriptions
			    WHERE status IN ('ACTIVE', 'PAST_DUE') AND auto_renew AND status = 'ACTIVE' AND channel = 'DIRECT'
			      AND next_attempt_at = current_period_end AND reminded_for IS DISTINCT FROM current_period_end
			    UNION ALL
			    SELECT min(current_period_end - interval '%4$d days') FROM subscriptions
			    WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew AND status = 'TRIALING' AND channel = 'DIRECT'
			      AND next_attempt_at = current_period_end AND reminded_for IS DISTINCT FROM current_period_end
			) t
			""";

	/** A subscription as the notices see it: period end, next attempt and the period the reminder went out for. */
	record NoticeRow(String status, boolean autoRenew, String channel, @Nullable String term, Instant periodEnd,
			@Nullable Instant next, @Nullable Instant extra, @Nullable Instant remindedFor) {

		boolean live() {
			return autoRenew && List.of("TRIALING", "ACTIVE", "PAST_DUE").contains(status);
		}

		/** Pending: a live DIRECT subscription of {@code status} at its period end, not reminded for it. */
		boolean pending(String noticeStatus) {
			return live() && status.equals(noticeStatus) && channel.equals("DIRECT") && periodEnd.equals(next)
					&& !periodEnd.equals(remindedFor);
		}
	}

	static Stream<Arguments> noticeTables() {
		List<Arguments> cases = new ArrayList<>();
		cases.add(Arguments.of("no subscription", List.of()));
		cases.add(Arguments.of("a yearly reminder only", List.of(notice("ACTIVE", "P1Y", 900, 900, null))));
		cases.add(Arguments.of("a monthly reminder only", List.of(notice("ACTIVE", "P1M", 900, 900, null))));
		cases.add(Arguments.of("a trial only", List.of(notice("TRIALING", "P1M", 900, 900, null))));
		cases.add(Arguments.of("a yearly reminder earlier than a monthly one ending sooner", List.of(
				notice("ACTIVE", "P1Y", 40 * 1440, 40 * 1440, null), notice("ACTIVE", "P1M", 20 * 1440, 20 * 1440, null))));
		cases.add(Arguments.of("reminded, not at their period end, or ended ones only", List.of(
				notice("ACTIVE", "P1Y", 500, 500, 500), notice("ACTIVE", "P1M", 500, 800, null),
				notice("PAST_DUE", "P1M", 500, 500, null), notice("CANCELLED", "P1Y", 100, 100, null),
				notice("TRIALING", "P1Y", 300, 300, 300))));
		cases.add(Arguments.of("a term other than the two", List.of(notice("ACTIVE", "P6M", 700, 700, null),
				notice("ACTIVE", null, 600, 600, null))));
		Random random = new Random(20261209L);
		for (int c = 0; c < 40; c++) {
			List<NoticeRow> rows = new ArrayList<>();
			for (int i = random.nextInt(12); i > 0; i--) {
				int end = random.nextInt(80 * 1440) - 1440;
				Integer next = switch (random.nextInt(4)) {
					case 0 -> null;
					case 1 -> end + 1440 * (1 + random.nextInt(5));
					default -> end;
				};
				Integer reminded = switch (random.nextInt(3)) {
					case 0 -> end;
					case 1 -> end - 30 * 1440;
					default -> null;
				};
				rows.add(new NoticeRow(STATUSES.get(random.nextInt(STATUSES.size())), random.nextInt(5) > 0,
						random.nextInt(4) == 0 ? "APP_STORE" : "DIRECT", random.nextBoolean() ? "P1Y" : "P1M", minutes(end),
						minutes(next), random.nextInt(4) == 0 ? minutes(random.nextInt(4001) - 2000) : null, minutes(reminded)));
			}
			cases.add(Arguments.of("random mix " + c, rows));
		}
		return cases.stream();
	}

	private static NoticeRow notice(String status, @Nullable String term, int endMinutes, @Nullable Integer nextMinutes,
			@Nullable Integer remindedMinutes) {
		return new NoticeRow(status, true, "DIRECT", term, minutes(endMinutes), minutes(nextMinutes), null,
				minutes(remindedMinutes));
	}

	private static @Nullable Instant minutes(@Nullable Integer minutes) {
		return minutes == null ? null : BASE.plusSeconds(60L * minutes);
	}

	private int reminderDays(@Nullable String term) {
		return jurisdictions.daysBefore(dev.subdesk.jurisdictions.ScheduledNotice.RENEWAL_REMINDER,
				"P1Y".equals(term) ? "P1Y" : "P1M");
	}

	private int trialEndingDays() {
		return Math.max(jurisdictions.daysBefore(dev.subdesk.jurisdictions.ScheduledNotice.TRIAL_ENDING, "P1Y"),
				jurisdictions.daysBefore(dev.subdesk.jurisdictions.ScheduledNotice.TRIAL_ENDING, "P1M"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("noticeTables")
	void theNextDueIsTheEarliestAttemptReminderOrTrialEndingNotice(String name, List<NoticeRow> rows) {
		Optional<Instant> expected = rows.stream().flatMap(r -> {
			List<Instant> due = new ArrayList<>();
			if (r.live()) {
				Stream.of(r.next(), r.extra()).filter(java.util.Objects::nonNull).forEach(due::add);
			}
			if (r.pending("ACTIVE")) {
				due.add(r.periodEnd().minus(java.time.Duration.ofDays(reminderDays(r.term()))));
			}
			if (r.pending("TRIALING")) {
				due.add(r.periodEnd().minus(java.time.Duration.ofDays(trialEndingDays())));
			}
			return due.stream();
		}).min(Instant::compareTo);

		transactions.executeWithoutResult(status -> {
			ownTable();
			JdbcClient jdbc = JdbcClient.create(dataSource);
			int i = 0;
			for (NoticeRow r : rows) {
				jdbc.sql("""
						INSERT INTO subscriptions (id, status, auto_renew, channel, term, current_period_end,
						                           next_attempt_at, extra_attempt_at, reminded_for)
						VALUES (:id, :status, :autoRenew, :channel, :term, :end, :next, :extra, :reminded)""")
					.param("id", "sub_next_due_" + i++)
					.param("status", r.status())
					.param("autoRenew", r.autoRenew())
					.param("channel", r.channel())
					.param("term", r.term(), java.sql.Types.VARCHAR)
					.param("end", at(r.periodEnd()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.param("next", at(r.next()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.param("extra", at(r.extra()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.param("reminded", at(r.remindedFor()), java.sql.Types.TIMESTAMP_WITH_TIMEZONE)
					.update();
			}
			Optional<Instant> before = instant(jdbc, NEXT_DUE_FULL_SCAN.formatted(RenewalQueue.EARLIEST_ATTEMPT,
					reminderDays("P1Y"), reminderDays("P1M"), trialEndingDays()));

			assertThat(before).as("the full scan's answer on this table (the reference)").isEqualTo(expected);
			assertThat(queue.nextDue()).as("the next due").isEqualTo(expected);
			status.setRollbackOnly();
		});
	}

	@Test
	void theNextReminderAndTrialEndingNoticeAreFoundAlongIndexesNotByReadingEverySubscription() {
		String plan = transactions.execute(status -> {
			ownTable();
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			// 20,000 subscriptions of both terms: a tenth ended, a few PAST_DUE, some trials, some from a store, some
			// reminded for their current period
			jdbc.update("""
					INSERT INTO subscriptions (id, status, auto_renew, channel, term, current_period_end, next_attempt_at,
					                           reminded_for)
					SELECT 'sub_plan_' || i,
					       CASE WHEN i % 10 = 0 THEN 'CANCELLED' WHEN i % 50 = 1 THEN 'PAST_DUE'
					            WHEN i % 20 = 3 THEN 'TRIALING' ELSE 'ACTIVE' END,
					       i % 10 <> 0,
					       CASE WHEN i % 7 = 0 THEN 'APP_STORE' ELSE 'DIRECT' END,
					       CASE WHEN i % 3 = 0 THEN 'P1Y' ELSE 'P1M' END,
					       timestamptz '2031-03-01' + i * interval '1 minute',
					       CASE WHEN i % 10 <> 0 THEN timestamptz '2031-03-01' + i * interval '1 minute'
					                                  + CASE WHEN i % 50 = 1 THEN interval '1 day' ELSE interval '0' END END,
					       CASE WHEN i % 4 = 0 THEN timestamptz '2031-03-01' + i * interval '1 minute' END
					FROM generate_series(1, 20000) i""");
			jdbc.execute("ANALYZE pg_temp.subscriptions");
			String explained = String.join("\n", jdbc.queryForList("EXPLAIN (FORMAT JSON) " + queue.nextDueSql(),
					String.class));
			status.setRollbackOnly();
			return explained;
		});
		assertScans(plan, "Seq Scan");
	}

	@Test
	void theNextPreBillingAndPromotionEndingNoticesAreFoundAlongIndexesNotByReadingEverySubscription() {
		List<String> plans = transactions.execute(status -> {
			ownTable();
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			// 20,000 subscriptions of both terms: a tenth ended, some from a store, some noticed for their current
			// period, a few in a discounted period
			jdbc.update("""
					INSERT INTO subscriptions (id, status, auto_renew, channel, term, current_period_start,
					                           current_period_end, next_attempt_at, billing_noticed_for,
					                           discounted_renewal_at)
					SELECT 'sub_plan_' || i, CASE WHEN i % 10 = 0 THEN 'CANCELLED' ELSE 'ACTIVE' END, i % 10 <> 0,
					       CASE WHEN i % 7 = 0 THEN 'APP_STORE' ELSE 'DIRECT' END,
					       CASE WHEN i % 3 = 0 THEN 'P1Y' ELSE 'P1M' END,
					       timestamptz '2030-03-01' + i * interval '1 minute',
					       timestamptz '2031-03-01' + i * interval '1 minute',
					       CASE WHEN i % 10 <> 0 THEN timestamptz '2031-03-01' + i * interval '1 minute' END,
					       CASE WHEN i % 4 = 0 THEN timestamptz '2031-03-01' + i * interval '1 minute' END,
					       CASE WHEN i % 100 = 3 THEN timestamptz '2030-03-01' + i * interval '1 minute' END
					FROM generate_series(1, 20000) i""");
			jdbc.execute("ANALYZE pg_temp.subscriptions");
			List<String> explained = new ArrayList<>();
			explained.add(String.join("\n", jdbc.queryForList("EXPLAIN (FORMAT JSON) " + queue.nextPreBillingNoticeDueSql(),
					String.class)));
			explained.add(String.join("\n", jdbc.queryForList("EXPLAIN (FORMAT JSON) "
					+ queue.nextPromotionEndingNoticeDueSql().replace(":lead", "7").replace(":terms", "ARRAY['P1Y']"),
					String.class)));
			status.setRollbackOnly();
			return explained;
		});
		plans.forEach(plan -> assertScans(plan, "Seq Scan", "Bitmap Heap Scan"));
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

	/** The plan (JSON) scans {@code subscriptions}, but by none of the {@code forbidden} node types. */
	private static void assertScans(String plan, String... forbidden) {
		List<String> scans = new ArrayList<>();
		scansOfSubscriptions(JsonMapper.builder().build().readTree(plan), scans);
		assertThat(scans).as(plan).isNotEmpty().doesNotContain(forbidden);
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
