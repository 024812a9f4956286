package dev.subdesk.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code GET /events?type=} of a type that is rare in the log reads that type's rows only, not the renewals' events
 * that fill the log (a plan's shape, not a time): a list asked for again and again cannot make the database walk
 * the whole log each time. The renewals' own types are not indexed, so that a renewal pays for no entry.
 */
class EventListByTypeIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aRareTypeIsListedAlongItsOwnIndexAndTheRenewalsTypesHaveNone() {
		List<String> plans = new TransactionTemplate(transactions).execute(tx -> {
			jdbc.sql("""
					INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
					SELECT 'evt_plan_' || g, 'subscription.renewed', 'sub_plan_' || g, 1, '{}', now()
					FROM generate_series(1, 20000) g""").update();
			jdbc.sql("""
					INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
					SELECT 'evt_plan_closed_' || g, 'account.closed', 'acct_plan_' || g, 1, '{}', now()
					FROM generate_series(1, 3) g""").update();
			jdbc.sql("ANALYZE domain_event").update();
			List<String> explained = new java.util.ArrayList<>();
			for (EventType type : java.util.Arrays.asList(EventType.ACCOUNT_CLOSED, null)) {
				explained.add(String.join("\n", jdbc.sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
						+ EventLog.pageQuery(false, type))
					.params(Map.of("afterKey", Long.toString(Long.MAX_VALUE), "afterPosition", Long.MAX_VALUE, "type",
							"account.closed", "limit", 51))
					.query(String.class)
					.list()));
			}
			tx.setRollbackOnly();
			return explained;
		});

		String plan = plans.get(0);
		assertThat(plan).as(plan).contains("domain_event_rare_type").doesNotContain("Rows Removed by Filter");
		assertThat(plans.get(1)).as("every event, newest visible first, without a sort").contains("domain_event_visible")
			.doesNotContain("Sort");
		assertThat(jdbc.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'domain_event_rare_type_visible'")
			.query(String.class).single()).as("renewals pay no entry").contains("subscription.renewed")
			.contains("charge.succeeded");
		assertThat(EventLog.BULK_TYPES).containsExactlyInAnyOrder(EventType.SUBSCRIPTION_RENEWED,
				EventType.CHARGE_SUCCEEDED);
		assertThat(List.of(EventLog.pageQuery(true, null), EventLog.pageQuery(false, EventType.SUBSCRIPTION_RENEWED)))
			.noneMatch(q -> q.contains("NOT IN"));
	}
}
