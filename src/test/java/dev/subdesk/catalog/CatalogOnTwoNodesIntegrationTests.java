package dev.subdesk.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 12: the catalog is edited while servers run, several on one database. A second {@link Catalog} on the same
 * database stands for another node: it keeps serving its copy (no query per read) until its periodic check finds the
 * version changed, then it sees the change; the node that made it sees it at once.
 */
@SubdeskIntegrationTest
class CatalogOnTwoNodesIntegrationTests {

	@Autowired
	Catalog thisNode;

	@Autowired
	CatalogAdmin admin;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	javax.sql.DataSource dataSource;

	@Autowired
	java.time.Clock clock;

	@Test
	void aChangeOnOneNodeIsSeenOnAnotherAtItsNextCheckAndAtOnceWhereItWasMade() {
		Catalog otherNode = new Catalog(jdbc);
		String code = "node-" + UUID.randomUUID().toString().substring(0, 8);
		Plan created = admin.createPlan(new NewPlan(code, "Two nodes", List.of("vpn"), "P1M", 399L, "USD", 1, 14,
				null, 0, false, null));
		try {
			assertThat(created.retentionOffer()).as("the demo policy when none is given").contains(25);
			assertThat(thisNode.plansForSale()).extracting(Plan::code).contains(code);
			assertThat(otherNode.plansForSale()).as("the other node's copy until its check").extracting(Plan::code)
				.doesNotContain(code);
			assertThat(otherNode.forSale(code)).as("a sale checks the version first").isPresent();
			assertThat(otherNode.plansForSale()).extracting(Plan::code).contains(code);

			admin.addPrice(code, 359L, "EUR", java.time.Instant.now(clock));
			assertThat(otherNode.get(code).prices()).as("stale until the check").hasSize(1);
			assertThat(otherNode.refreshIfChanged()).isTrue();
			assertThat(otherNode.get(code).priceFor("DE")).isEqualTo(dev.subdesk.shared.Money.of(359, "EUR"));
			assertThat(otherNode.get(code).priceFor("US")).isEqualTo(dev.subdesk.shared.Money.of(399, "USD"));
			assertThat(otherNode.refreshIfChanged()).as("nothing changed since").isFalse();

			// an operator's SQL bumps the version too (a trigger), so no writer can leave a node stale
			jdbc.sql("UPDATE plans SET name = 'Renamed by hand' WHERE code = :code").param("code", code).update();
			assertThat(otherNode.refreshIfChanged()).isTrue();
			assertThat(otherNode.get(code).name()).isEqualTo("Renamed by hand");
			thisNode.refreshIfChanged();
			assertThat(thisNode.version()).isEqualTo(otherNode.version());
		}
		finally {
			admin.retire(code, java.time.Instant.now(clock));
		}
		assertThat(thisNode.get(code).retired()).as("the node that retired it, at once").isTrue();
		otherNode.refreshIfChanged();
		assertThat(otherNode.plansForSale()).extracting(Plan::code).doesNotContain(code);
		assertThat(otherNode.find(code)).as("a retired plan is still a subscription's plan").isPresent();
	}

	@Test
	void aChangeThatRollsBackIsSeenByNoNode() {
		String code = "rollback-" + UUID.randomUUID().toString().substring(0, 8);
		thisNode.refreshIfChanged();
		try {
			transactions.executeWithoutResult(tx -> {
				Plan made = admin.createPlan(new NewPlan(code, "Rolled back", List.of("vpn"), "P1M", 399L, "USD", 1,
						14, null, 0, false, null));
				assertThat(made.code()).isEqualTo(code);
				throw new IllegalStateException("the rest of the transaction failed");
			});
		}
		catch (IllegalStateException expected) {
			assertThat(expected).hasMessageContaining("failed");
		}
		assertThat(thisNode.refreshIfChanged()).as("the version did not move").isFalse();
		assertThat(thisNode.find(code)).isEmpty();
		assertThat(new Catalog(jdbc).find(code)).isEmpty();
	}

	@Test
	void readingAKnownPlanAsTheRenewalsDoNeedsNoDatabase() throws Exception {
		com.zaxxer.hikari.HikariDataSource own = new com.zaxxer.hikari.HikariDataSource();
		com.zaxxer.hikari.HikariDataSource shared = dataSource.unwrap(com.zaxxer.hikari.HikariDataSource.class);
		own.setJdbcUrl(shared.getJdbcUrl());
		own.setUsername(shared.getUsername());
		own.setPassword(shared.getPassword());
		Catalog node = new Catalog(JdbcClient.create(own));
		own.close();
		// the database is out of this node's reach now: what it knows, it still answers
		for (int i = 0; i < 1000; i++) {
			assertThat(node.get("antivirus-annual").price().amount()).isEqualTo(5999);
		}
		assertThat(node.name("vpn-annual", java.util.Locale.ENGLISH)).isEqualTo("Acme Secure VPN, yearly");
		assertThat(node.plansForSale()).isNotEmpty();
		org.assertj.core.api.Assertions.assertThatThrownBy(node::refreshIfChanged)
			.as("only the periodic check touches the database");
	}
}
