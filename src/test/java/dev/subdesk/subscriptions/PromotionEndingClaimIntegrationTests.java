package dev.subdesk.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The claim of notices of a promotion's end (R-CA-6): its choice of customers in SQL is the rule table's
 * ({@link Jurisdictions#forCustomer}).
 */
@SubdeskIntegrationTest
class PromotionEndingClaimIntegrationTests {

	@Autowired
	Jurisdictions jurisdictions;

	@Autowired
	JdbcClient jdbc;

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
}
