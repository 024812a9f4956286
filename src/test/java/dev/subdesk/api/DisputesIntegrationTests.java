package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class DisputesIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Test
	void aDisputeOfAnOrdinaryChargeOpensOneSupportCase() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		Api.Response dispute = api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED", "detail", "?"));
		assertThat(dispute.status()).isEqualTo(200);
		assertThat(dispute.text("outcome")).isEqualTo("UNDER_REVIEW");
		String caseNumber = dispute.text("caseNumber");
		assertThat(caseNumber).matches("CASE-[0-9A-HJKMNP-TV-Z]{6}");
		Api.Response again = api.post("/charges/" + charge + "/disputes", Map.of("reason", "OTHER"));
		assertThat(again.text("caseNumber")).isEqualTo(caseNumber);

		JsonNode supportCase = api.get("/cases/" + caseNumber.toLowerCase()).json();
		assertThat(supportCase.path("status").asString()).isEqualTo("OPEN");
		assertThat(supportCase.path("accountId").asString()).isEqualTo(account);
		JsonNode notice = api.get("/accounts/" + account + "/notices").json().path("data").get(0);
		assertThat(notice.path("type").asString()).isEqualTo("CASE_UPDATE");
		assertThat(notice.path("relatedId").asString()).isEqualTo(caseNumber);
		assertThat(api.get("/cases/CASE-000000").status()).isEqualTo(404);
		Api.Response unknownNumber = api.post("/charges/" + charge + "/disputes",
				Map.of("reason", "OTHER", "confirmationNumber", "CXL-0000-0000"));
		assertThat(unknownNumber.status()).isEqualTo(400);
	}

	@Test
	void aChargeForAPeriodStartingAfterTheCancellationIsRefundedInFullAtOnce() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response cancellation = fixtures.cancel(sub, "END_OF_TERM");
		JsonNode first = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		// A charge that should never exist: an import or store sync billed the period after the cancellation.
		jdbc.sql("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				SELECT 'ch_IMPORTED' || substr(md5(random()::text), 1, 8), account_id, subscription_id, amount, currency,
				       'SUCCEEDED', period_end, period_end + interval '1 month', payment_method_id, 'import', created_at
				FROM charges WHERE id = :id
				""").param("id", first.path("id").asString()).update();
		JsonNode imported = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(imported.path("periodStart").asString()).isEqualTo(cancellation.text("effectiveAt"));

		Api.Response dispute = api.post("/charges/" + imported.path("id").asString() + "/disputes",
				Map.of("reason", "UNRECOGNIZED"));
		assertThat(dispute.text("outcome")).isEqualTo("REFUNDED");
		assertThat(dispute.json().path("refund").path("amount").asLong()).isEqualTo(699);
		assertThat(dispute.json().path("caseNumber").isNull()).isTrue();
		Api.Response repeat = api.post("/charges/" + imported.path("id").asString() + "/disputes",
				Map.of("reason", "CHARGED_AFTER_CANCELLATION"));
		assertThat(repeat.text("outcome")).isEqualTo("REFUNDED");
		assertThat(repeat.json().path("refund").isNull()).isTrue();
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("status").asString())
			.isEqualTo("REFUNDED");
	}

	@Test
	void theSweepRefundsAnImportedChargeForAPeriodAfterTheCancellationInFullWithANotice() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		fixtures.cancel(sub, "END_OF_TERM");
		String imported = importChargeForTheNextPeriod(account);

		api.post("/renewals/run");

		JsonNode charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(charge.path("id").asString()).isEqualTo(imported);
		assertThat(charge.path("status").asString()).isEqualTo("REFUNDED");
		JsonNode notice = api.get("/accounts/" + account + "/notices").json().path("data").get(0);
		assertThat(notice.path("type").asString()).isEqualTo("REFUND_ISSUED");
		assertThat(notice.path("body").asString()).contains("59,99\u00a0$"); // the account is in Germany
		Api.Response dispute = api.post("/charges/" + imported + "/disputes", Map.of("reason", "CHARGED_AFTER_CANCELLATION"));
		assertThat(dispute.text("outcome")).isEqualTo("REFUNDED");
		assertThat(dispute.json().path("refund").isNull()).isTrue();
	}

	/** A charge that should never exist: an import or store sync billed the period after the cancellation. */
	private String importChargeForTheNextPeriod(String account) {
		String first = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		jdbc.sql("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				SELECT 'ch_IMPORTED' || substr(md5(random()::text), 1, 8), account_id, subscription_id, amount, currency,
				       'SUCCEEDED', period_end, period_end + interval '1 year', payment_method_id, 'import', created_at
				FROM charges WHERE id = :id
				""").param("id", first).update();
		return api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
	}

	@Test
	void manualRefundsNeverExceedTheChargeAndFailedChargesAreNotRefundable() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		Api.Response part = api.post("/charges/" + charge + "/refunds", Map.of("amount", 1000, "reason", "goodwill"));
		assertThat(part.status()).isEqualTo(201);
		assertThat(part.id()).startsWith("re_");
		assertThat(part.json().path("amount").asLong()).isEqualTo(1000);
		Api.Response tooMuch = api.post("/charges/" + charge + "/refunds", Map.of("amount", 5000, "reason", "x"));
		assertThat(tooMuch.code()).isEqualTo("REFUND_EXCEEDS_CHARGE");
		Api.Response rest = api.post("/charges/" + charge + "/refunds", Map.of("reason", "the rest"));
		assertThat(rest.json().path("amount").asLong()).isEqualTo(4999);
		JsonNode after = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(after.path("status").asString()).isEqualTo("REFUNDED");
		assertThat(after.path("refundedAmount").asLong()).isEqualTo(5999);
	}
}
