package dev.subdesk.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The claim of notices of a promotion's end (R-CA-6): its choice of customers in SQL is the rule table's
 * ({@link Jurisdictions#forCustomer}), and it is found along V451's partial index (its predicate proved by the claim's
 * own conditions), not along the index of every renewal attempt.
 */
@SubdeskIntegrationTest
class PromotionEndingClaimIntegrationTests {

	@Autowired
	Jurisdictions jurisdictions;

	@Autowired
	RenewalQueue queue;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	org.springframework.transaction.PlatformTransactionManager transactions;

	@Test
	void theCustomersChosenInSqlAreThoseTheRuleTableServesWithR_CA_6() {
		List<String> rules = jurisdictions.promotionEndingNotice().orElseThrow().rules();
		String served = jurisdictions.servesAnyOfSql(rules, "a.country", "a.region");
		List<String[]> customers = new ArrayList<>();
		for (String id : jurisdictions.all().keySet()) {
			String[] parts = id.split("-", 2);
			customers.add(new String[] { parts[0], parts.length > 1 ? parts[1] : null });
		}
		for (String[] c : new String[][] { { "US", "CA" }, { "US", "TX" }, { "US", null }, { "US", "" }, { "US", " " },
				{ "US", "*" }, { "DE", null }, { "DE", "BY" }, { "FR", null }, { "FR", "75" }, { "GB", "ENG" },
				{ "JP", null }, { "CA", "ON" }, { "O'", "x'y" } }) {
			customers.add(c);
		}
		for (String[] c : customers) {
			boolean inSql = jdbc.sql("SELECT " + served + " FROM (SELECT CAST(:country AS text) AS country,"
					+ " CAST(:region AS text) AS region) a")
				.param("country", c[0])
				.param("region", c[1])
				.query(Boolean.class)
				.single();
			assertThat(inSql).as(Arrays.toString(c))
				.isEqualTo(jurisdictions.forCustomer(c[0], c[1]).servesAnyOf(rules));
		}
		assertThat(jurisdictions.forCustomer("US", "CA").servesAnyOf(rules)).isTrue();
		assertThat(jurisdictions.forCustomer("US", "TX").servesAnyOf(rules)).isFalse();
	}

	@Test
	void theClaimReadsThePartialIndexOfTheDiscountedPeriods() {
		String plan = new TransactionTemplate(transactions).execute(status -> {
			// the planner's choice between indexes depends on the rows at hand: without the index of every renewal
			// attempt (dropped in this transaction, which rolls back) it can take only the partial one, and only if
			// the claim's conditions prove its predicate
			jdbc.sql("DROP INDEX subscriptions_attempt_due_idx").update();
			jdbc.sql("SET LOCAL enable_seqscan = off").update();
			String explained = String.join("\n", jdbc.sql("EXPLAIN (COSTS OFF) " + queue.claimPromotionEndingSql(""))
				.param("terms", new String[] { "P1Y" })
				.param("until", Timestamp.from(Instant.now()))
				.param("lead", 7)
				.param("limit", 1000)
				.query(String.class)
				.list());
			status.setRollbackOnly();
			return explained;
		});
		assertThat(plan).as(plan).contains("subscriptions_discounted_period_idx");
		assertThat(jdbc.sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
				+ " WHERE c.relname = 'subscriptions_discounted_period_idx'").query(Boolean.class).single()).isTrue();
	}
}
