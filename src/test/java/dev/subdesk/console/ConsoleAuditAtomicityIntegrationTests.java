package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.catalog.Catalog;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Invariant 8 against a failure: an agent's change and its audit entry commit together or not at all. The audit
 * insert of one action is made to fail (a trigger); the change it records must not have happened.
 */
class ConsoleAuditAtomicityIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Catalog catalog;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void aCancellationWhoseAuditEntryCannotBeWrittenDoesNotHappen() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String cancel = "/console/accounts/" + account + "/subscriptions/" + caller.subscription() + "/cancel";
		Map<String, String> form = Map.of("mode", "IMMEDIATE", "reason", "TOO_EXPENSIVE", "caseNumber", caseNumber);

		ConsoleClient.Page failed = refusingAuditOf("CANCEL", account, () -> agent.post(cancel, form));

		assertThat(failed.status()).isEqualTo(500);
		assertThat(fixtures.subscription(caller.subscription()).text("status")).as("nothing was cancelled")
			.isEqualTo("ACTIVE");
		assertThat(count("SELECT count(*) FROM refunds WHERE account_id = :a", account)).as("no money moved").isZero();
		assertThat(count("""
				SELECT count(*) FROM case_events WHERE case_number = :a AND text LIKE 'CANCEL:%'""", caseNumber))
			.as("nor did the case's timeline say so").isZero();

		assertThat(agent.post(cancel, form).status()).isEqualTo(302);
		assertThat(fixtures.subscription(caller.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).containsOnlyOnce("CANCEL");
		assertThat(jdbc.sql("""
				SELECT r.payload IS NOT NULL FROM receipts r JOIN cancellation_items i
				  ON i.confirmation_number = r.confirmation_number
				WHERE i.subscription_id = :s""").param("s", caller.subscription()).query(Boolean.class).single())
			.as("the receipt is signed with its refund paid, in the settlement's transaction, as on every channel")
			.isTrue();
	}

	@Test
	void aQuoteAndTheOfferItShowsAreRecordedWithTheirEntriesOrNotAtAll() {
		Callers.Caller caller = callers.withVpn("10115");
		String account = caller.account();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String quote = "/console/accounts/" + account + "/subscriptions/" + caller.subscription() + "/quote";

		ConsoleClient.Page failed = refusingAuditOf("OFFER_PRESENTED", account,
				() -> agent.post(quote, Map.of("caseNumber", caseNumber)));

		assertThat(failed.status()).isEqualTo(500);
		assertThat(count("SELECT count(*) FROM offers WHERE subscription_id = :a", caller.subscription()))
			.as("no offer is on record as shown without its entry").isZero();
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).doesNotContain("QUOTE_CANCELLATION");
	}

	@Test
	void aPlanRetiredWithoutItsAuditEntryIsNotRetired() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String code = "atomic-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(api.post("/plans", Map.of("code", code, "name", "Atomic", "products", java.util.List.of("vpn"), "term",
				"P1M", "price", Map.of("amount", 500, "currency", "USD"), "deviceLimit", 1, "moneyBackDays", 14)).status())
			.isEqualTo(201);

		refusingAuditOf("CATALOG_PLAN_RETIRED", code, () -> admin.post("/console/catalog/plans/" + code + "/retire",
				Map.of()));

		assertThat(catalog.get(code).retired()).as("still on sale").isFalse();
		assertThat(audit.about(code)).extracting(AuditTrail.Entry::action).doesNotContain("CATALOG_PLAN_RETIRED");
	}

	/** Runs {@code work} while any audit entry of {@code action} about {@code target} fails to be written. */
	private <T> T refusingAuditOf(String action, String target, Supplier<T> work) {
		jdbc.sql("""
				CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				    RAISE EXCEPTION 'audit entry refused by the test';
				END $$""").update();
		jdbc.sql("""
				CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
				WHEN (NEW.action = '%s' AND NEW.target = '%s') EXECUTE FUNCTION test_refuse_audit()"""
			.formatted(action, target)).update();
		try {
			return work.get();
		}
		finally {
			jdbc.sql("DROP TRIGGER test_refuse_audit ON audit_events").update();
			jdbc.sql("DROP FUNCTION test_refuse_audit()").update();
		}
	}

	private long count(String sql, String key) {
		return jdbc.sql(sql).param("a", key).query(Long.class).single();
	}
}
