package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.catalog.Catalog;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Issue 12: the ADMINs' catalog page lists the plans with their prices, creates a plan, adds a price, retires. */
class ConsoleCatalogIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Catalog catalog;

	@Autowired
	AuditTrail audit;

	@Test
	void anAdminCreatesAPlanAddsAPriceInEurosAndRetiresIt() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		ConsoleClient.Page page = admin.get("/console/catalog");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("Acme Antivirus, yearly", "$59.99", "identity-addon-annual", "Create plan",
				"Retire antivirus-annual", "name=\"_csrf\"");

		String code = "console-" + UUID.randomUUID().toString().substring(0, 8);
		String created = admin.followed(admin.post("/console/catalog/plans", Map.ofEntries(Map.entry("code", code),
				Map.entry("name", "Acme Console Plan"), Map.entry("products", "vpn"), Map.entry("term", "P1M"),
				Map.entry("amount", "499"), Map.entry("currency", "usd"), Map.entry("deviceLimit", "2"),
				Map.entry("moneyBackDays", "14"), Map.entry("trialDays", "0"), Map.entry("percentOff", ""))));
		assertThat(created).contains("Plan " + code + " is on sale.").contains("Acme Console Plan");
		assertThat(catalog.find(code)).hasValueSatisfying(plan -> {
			assertThat(plan.price().amount()).isEqualTo(499);
			assertThat(plan.retentionOffer()).as("an empty offer field: none").isEmpty();
		});
		assertThat(api.get("/plans/" + code).status()).isEqualTo(200);

		String priced = admin.followed(admin.post("/console/catalog/plans/" + code + "/prices",
				Map.of("amount", "459", "currency", "EUR")));
		assertThat(priced).contains("has a price in EUR now").contains("$4.99, 4.59 EUR");

		String bad = admin.followed(admin.post("/console/catalog/plans/" + code + "/prices",
				Map.of("amount", "-5", "currency", "EURO")));
		assertThat(bad).contains("amount: must be a positive integer").contains("currency: must be an ISO 4217");
		String typo = admin.followed(admin.post("/console/catalog/plans", Map.of("code", code, "name", "x",
				"products", "vpn", "term", "P1M", "amount", "4,99", "currency", "USD", "deviceLimit", "1",
				"moneyBackDays", "1")));
		assertThat(typo).contains("price.amount: must be a whole number");

		String retired = admin.followed(admin.post("/console/catalog/plans/" + code + "/retire", Map.of()));
		assertThat(retired).contains("Plan " + code + " is retired").doesNotContain("Retire " + code);
		assertThat(catalog.get(code).retired()).isTrue();

		assertThat(audit.about(code)).extracting(AuditTrail.Entry::action)
			.containsExactly("CATALOG_PLAN_CREATED", "CATALOG_PRICE_ADDED", "CATALOG_PLAN_RETIRED");
		assertThat(audit.about(code)).allSatisfy(entry -> assertThat(entry.actor()).isEqualTo("admin"));
	}

	@Test
	void anAdminSchedulesANewPriceThatTheApiListsAndATooEarlyDayChangesNothing() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String code = "console-price-" + UUID.randomUUID().toString().substring(0, 8);
		admin.followed(admin.post("/console/catalog/plans", newYearlyPlan(code, "Acme Repriced Plan", "vpn", "3999",
				Map.of("deviceLimit", "1", "percentOff", ""))));
		java.time.LocalDate today = java.time.LocalDate.ofInstant(java.time.Instant.parse(api.get("/test-clock").text("now")),
				java.time.ZoneOffset.UTC);

		String tooSoon = admin.followed(admin.post("/console/catalog/plans/" + code + "/price-changes",
				Map.of("amount", "4499", "effectiveFrom", today.plusDays(3).toString(), "existingSubscribers", "MOVE")));
		assertThat(tooSoon).contains("effectiveFrom: must be at or after");
		String typo = admin.followed(admin.post("/console/catalog/plans/" + code + "/price-changes",
				Map.of("amount", "44.99", "effectiveFrom", "1 March", "existingSubscribers", "SOMETIMES")));
		assertThat(typo).contains("amount: must be a whole number");
		String negative = admin.followed(admin.post("/console/catalog/plans/" + code + "/price-changes",
				Map.of("amount", "-100", "effectiveFrom", today.plusDays(45).toString(), "existingSubscribers", "MOVE")));
		assertThat(negative).contains("must be a positive integer");
		assertThat(api.get("/plans/" + code + "/price-changes").json().path("data").size()).isZero();

		String later = today.plusDays(45).toString();
		String scheduled = admin.followed(admin.post("/console/catalog/plans/" + code + "/price-changes",
				Map.of("amount", "4499", "effectiveFrom", later, "existingSubscribers", "GRANDFATHER")));
		assertThat(scheduled).contains("New price for " + code + ": $44.99 from " + later)
			.contains("new purchases only (existing subscribers keep their price)");
		var listed = api.get("/plans/" + code + "/price-changes").json().path("data");
		assertThat(listed.size()).isEqualTo(1);
		assertThat(listed.get(0).path("price").path("amount").asLong()).isEqualTo(4499);
		assertThat(listed.get(0).path("existingSubscribers").asString()).isEqualTo("GRANDFATHER");
		assertThat(audit.about(code)).extracting(AuditTrail.Entry::action).contains("CATALOG_PRICE_CHANGE_SCHEDULED");

		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		assertThat(agent.post("/console/catalog/plans/" + code + "/price-changes",
				Map.of("amount", "1", "effectiveFrom", later, "existingSubscribers", "MOVE")).status()).isEqualTo(403);
		assertThat(api.get("/plans/" + code + "/price-changes").json().path("data").size()).isEqualTo(1);
	}

	@Test
	void anAdminEditsWhatMayChangeInAPlanAndAShorterMoneyBackWindowIsRefused() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String code = "console-edit-" + UUID.randomUUID().toString().substring(0, 8);
		admin.followed(admin.post("/console/catalog/plans", newYearlyPlan(code, "Acme Editable Add-on", "identity", "1999",
				Map.of("deviceLimit", "0", "addOnTo", "antivirus-annual", "percentOff", "25"))));
		assertThat(admin.get("/console/catalog").body()).contains("Edit " + code, "Save " + code);

		String shorter = admin.followed(admin.post("/console/catalog/plans/" + code, Map.of("name", "Acme Editable Add-on",
				"deviceLimit", "0", "moneyBackDays", "14", "addOnTo", "antivirus-annual", "percentOff", "25")));
		assertThat(shorter).contains("moneyBackDays: can only grow");
		assertThat(catalog.get(code).moneyBackDays()).isEqualTo(30);

		var form = new java.util.LinkedHashMap<String, String>();
		form.put("name", "Acme Identity add-on, renamed");
		form.put("deviceLimit", "1");
		form.put("moneyBackDays", "60");
		form.put("addOnTo", "total-annual");
		form.put("percentOff", "");
		String saved = admin.followed(admin.post("/console/catalog/plans/" + code, form));
		assertThat(saved).contains("Plan " + code + " is changed.").contains("Acme Identity add-on, renamed");
		assertThat(catalog.get(code)).satisfies(plan -> {
			assertThat(plan.name()).isEqualTo("Acme Identity add-on, renamed");
			assertThat(plan.deviceLimit()).isEqualTo(1);
			assertThat(plan.moneyBackDays()).isEqualTo(60);
			assertThat(plan.addOnTo()).containsExactly("total-annual");
			assertThat(plan.retentionOffer()).isEmpty();
		});
		assertThat(audit.about(code)).extracting(AuditTrail.Entry::action).contains("CATALOG_PLAN_CHANGED");
		assertThat(ConsoleClient.signedIn(port, "agent").post("/console/catalog/plans/" + code, form).status())
			.isEqualTo(403);
	}

	@Test
	void anAgentOrASupervisorMayNeitherOpenTheCatalogPageNorChangeTheCatalog() {
		for (String user : List.of("agent", "supervisor")) {
			ConsoleClient staff = ConsoleClient.signedIn(port, user);
			assertThat(staff.get("/console/catalog").status()).as(user).isEqualTo(403);
			assertThat(staff.post("/console/catalog/plans/antivirus-annual/retire", Map.of()).status()).as(user)
				.isEqualTo(403);
			assertThat(staff.post("/console/catalog/plans", Map.of("code", "agent-plan")).status()).as(user)
				.isEqualTo(403);
			assertThat(staff.get("/console").body()).doesNotContain("/console/catalog");
		}
		assertThat(catalog.get("antivirus-annual").retired()).isFalse();
		assertThat(catalog.find("agent-plan")).isEmpty();
	}

	@Test
	void aFormWithoutTheCsrfTokenChangesNothing() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		assertThat(admin.postRaw("/console/catalog/plans/antivirus-annual/retire", Map.of()).status()).isEqualTo(403);
		assertThat(catalog.get("antivirus-annual").retired()).isFalse();
	}

	/** The new-plan form of a yearly USD plan with 30 money-back days and no trial, and {@code more} fields. */
	private static Map<String, String> newYearlyPlan(String code, String name, String products, String amount,
			Map<String, String> more) {
		Map<String, String> form = new java.util.LinkedHashMap<>(Map.of("code", code, "name", name, "products", products,
				"term", "P1Y", "amount", amount, "currency", "USD", "moneyBackDays", "30", "trialDays", "0"));
		form.putAll(more);
		return form;
	}
}
