package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class CancellationFlowIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	dev.subdesk.clock.TestClock clock;

	@Test
	void cancellingImmediatelyWithinMoneyBackWindowRefundsTheLatestChargeAndEndsAddOns() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-annual");
		String addOn = fixtures.addOn(account, "identity-addon-annual", base);
		Api.Response device = api.post("/accounts/" + account + "/devices", Map.of("name", "Laptop", "platform", "LINUX"));
		assertThat(device.status()).isEqualTo(201);

		Api.Response quote = api.post("/subscriptions/" + base + "/cancellation-quote", Map.of());
		assertThat(quote.status()).isEqualTo(200);
		assertThat(quote.json().path("alsoCancels").get(0).asString()).isEqualTo(addOn);
		JsonNode immediate = quote.json().path("options").get(1);
		assertThat(immediate.path("mode").asString()).isEqualTo("IMMEDIATE");
		assertThat(immediate.path("refund").path("amount").asLong()).isEqualTo(5999 + 2999);
		assertThat(immediate.path("refundReason").asString()).isEqualTo("MONEY_BACK_WINDOW");

		Api.Response cancelled = api.post("/subscriptions/" + base + "/cancel",
				Map.of("mode", "IMMEDIATE", "reason", "NOT_USING", "feedback", "private words"));
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		JsonNode c = cancelled.json();
		assertThat(c.path("confirmationNumber").asString()).matches("CXL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
		assertThat(c.path("status").asString()).isEqualTo("EFFECTIVE");
		assertThat(c.path("refundTotal").path("amount").asLong()).isEqualTo(8998);
		assertThat(c.path("subscriptionIds").values()).extracting(JsonNode::asString).containsExactly(base, addOn);
		assertThat(c.path("channel").asString()).isEqualTo("API");
		assertThat(cancelled.raw()).doesNotContain("private words");

		assertThat(fixtures.subscription(base).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("CANCELLED");
		assertThat(api.get("/accounts/" + account + "/devices").json().path("data").get(0).path("status").asString())
			.isEqualTo("DEACTIVATED");
		JsonNode charges = api.get("/accounts/" + account + "/charges").json().path("data");
		assertThat(charges.values()).allSatisfy(charge -> {
			assertThat(charge.path("status").asString()).isEqualTo("REFUNDED");
			assertThat(charge.path("refundedAmount").asLong()).isEqualTo(charge.path("amount").asLong());
		});
		List<String> types = api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values()
			.stream().map(n -> n.path("type").asString()).toList();
		assertThat(types).containsOnlyOnce("CANCELLATION_CONFIRMATION");
		assertThat(types.stream().filter("REFUND_ISSUED"::equals)).hasSize(2);

		Api.Response again = fixtures.cancel(base, "IMMEDIATE");
		assertThat(again.status()).isEqualTo(409);
		assertThat(again.code()).isEqualTo("ALREADY_CANCELLED");
	}

	@Test
	void endOfTermKeepsServiceUntilThePeriodEndsThenTakesEffectWithoutAnotherCharge() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");

		Api.Response scheduled = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(scheduled.status()).isEqualTo(200);
		assertThat(scheduled.text("status")).isEqualTo("SCHEDULED");
		assertThat(scheduled.text("effectiveAt")).isEqualTo(periodEnd);
		assertThat(scheduled.json().path("refundTotal").path("amount").asLong()).isZero();
		JsonNode during = fixtures.subscription(sub).json();
		assertThat(during.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(during.path("autoRenew").asBoolean()).isFalse();
		assertThat(during.path("cancelAt").asString()).isEqualTo(periodEnd);

		Api.Response repeat = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(repeat.text("confirmationNumber")).isEqualTo(scheduled.text("confirmationNumber"));

		fixtures.advance("P32D");

		JsonNode after = fixtures.subscription(sub).json();
		assertThat(after.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(after.path("cancelledAt").asString()).isEqualTo(periodEnd);
		Api.Response effective = api.get("/cancellations/" + scheduled.text("confirmationNumber").toLowerCase());
		assertThat(effective.text("status")).isEqualTo("EFFECTIVE");
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(1);
		long confirmations = api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_CONFIRMATION"))
			.count();
		assertThat(confirmations).isEqualTo(1);
	}

	@Test
	void resumingRevokesTheScheduledCancellationAndALaterOneGetsANewNumber() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String first = fixtures.cancel(sub, "END_OF_TERM").text("confirmationNumber");

		Api.Response resumed = api.post("/subscriptions/" + sub + "/resume");
		assertThat(resumed.status()).isEqualTo(200);
		assertThat(resumed.json().path("autoRenew").asBoolean()).isTrue();
		assertThat(resumed.json().path("cancelAt").isNull()).isTrue();
		assertThat(api.get("/cancellations/" + first).text("status")).isEqualTo("REVOKED");

		Api.Response second = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(second.text("confirmationNumber")).isNotEqualTo(first);
		assertThat(api.post("/subscriptions/" + sub + "/resume").status()).isEqualTo(200);
		Api.Response nothing = api.post("/subscriptions/" + sub + "/resume");
		assertThat(nothing.status()).isEqualTo(409);
		assertThat(nothing.code()).isEqualTo("NOT_SCHEDULED_TO_END");
	}

	@Test
	void aScheduledEndThatHasComeCannotBeResumedEvenBeforeItsJobHasRun() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String number = fixtures.cancel(sub, "END_OF_TERM").text("confirmationNumber");
		java.time.Instant end = java.time.Instant.parse(fixtures.subscription(sub).text("cancelAt"));
		// the clock passes the end; the job that records it runs at its next tick
		clock.moveTo(end.plusSeconds(1));

		Api.Response resumed = api.post("/subscriptions/" + sub + "/resume");

		assertThat(resumed.status()).as(resumed.toString()).isEqualTo(409);
		assertThat(resumed.code()).isEqualTo("NOT_SCHEDULED_TO_END");
		assertThat(api.get("/cancellations/" + number).text("status")).isNotEqualTo("REVOKED");
		fixtures.advance("PT1M");
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).as("no charge after the end")
			.isEqualTo(1);
	}

	@Test
	void anAddOnsOwnCancellationIsEffectiveOnceDunningHasEndedItWithItsBase() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-monthly");
		assertThat(api.patch("/subscriptions/" + base, Map.of("paymentMethodId",
				fixtures.card(account, "tok_chargeDeclined"))).status()).isEqualTo(200);
		fixtures.advance("P10D");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		String own = fixtures.cancel(addOn, "END_OF_TERM").text("confirmationNumber");

		// the base's renewal and its three retries are declined: it expires, its add-on with it, before the add-on's end
		fixtures.advance("P26D");

		assertThat(fixtures.subscription(base).text("status")).isEqualTo("EXPIRED");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("EXPIRED");
		assertThat(api.get("/cancellations/" + own).text("status")).isEqualTo("EFFECTIVE");
	}

	@Test
	void immediateWhileScheduledSupersedesTheScheduledCancellation() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "vpn-annual");
		String scheduled = fixtures.cancel(sub, "END_OF_TERM").text("confirmationNumber");
		Api.Response now = fixtures.cancel(sub, "IMMEDIATE");
		assertThat(now.text("confirmationNumber")).isNotEqualTo(scheduled);
		assertThat(now.text("status")).isEqualTo("EFFECTIVE");
		assertThat(api.get("/cancellations/" + scheduled).text("status")).isEqualTo("SUPERSEDED");
	}

	@Test
	void patchAutoRenewFalseIsEndOfTermAndTrueIsResume() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		Api.Response off = api.patch("/subscriptions/" + sub, Map.of("autoRenew", false));
		assertThat(off.status()).isEqualTo(200);
		String number = off.text("confirmationNumber");
		assertThat(number).startsWith("CXL-");
		assertThat(off.json().path("cancelAt").asString()).isEqualTo(off.text("currentPeriodEnd"));
		assertThat(api.patch("/subscriptions/" + sub, Map.of("autoRenew", false)).text("confirmationNumber"))
			.isEqualTo(number);
		Api.Response on = api.patch("/subscriptions/" + sub, Map.of("autoRenew", true));
		assertThat(on.json().path("autoRenew").asBoolean()).isTrue();
		assertThat(on.json().path("confirmationNumber").isNull()).isTrue();
		assertThat(api.get("/cancellations/" + number).text("status")).isEqualTo("REVOKED");
		Api.Response other = api.patch("/subscriptions/" + sub, Map.of("price", 1));
		assertThat(other.status()).isEqualTo(400);
	}

	@Test
	void receiptSignatureVerifiesAndATamperedReceiptDoesNot() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String number = fixtures.cancel(sub, "IMMEDIATE").text("confirmationNumber");
		Api.Response receipt = api.get("/cancellations/" + number + "/receipt");
		assertThat(receipt.status()).isEqualTo(200);
		assertThat(receipt.json().path("cancellation").path("confirmationNumber").asString()).isEqualTo(number);

		Api anonymous = api.with("Authorization", null);
		assertThat(anonymous.post("/receipts/verify", receipt.raw()).json().path("valid").asBoolean()).isTrue();
		String tampered = receipt.raw().replace("\"amount\":5999", "\"amount\":1");
		assertThat(anonymous.post("/receipts/verify", tampered).json().path("valid").asBoolean()).isFalse();
		assertThat(anonymous.post("/receipts/verify", Map.of("hello", "world")).status()).isEqualTo(400);
		// a forged status read first by a lax reader, the genuine one last: refused, not "valid"
		String twice = receipt.raw().replaceFirst("\"status\":\"EFFECTIVE\"",
				"\"status\":\"REVOKED\",\"status\":\"EFFECTIVE\"");
		assertThat(twice).isNotEqualTo(receipt.raw());
		Api.Response duplicate = anonymous.post("/receipts/verify", twice);
		assertThat(duplicate.status()).as(duplicate.toString()).isEqualTo(400);
		assertThat(duplicate.json().path("errors").get(0).path("message").asString()).contains("twice");
		// the signature in another spelling (with the padding the contract leaves out) is not this receipt's
		String signature = receipt.json().path("signature").asString();
		String padded = receipt.raw().replace("\"" + signature + "\"", "\"" + signature + "=\"");
		assertThat(anonymous.post("/receipts/verify", padded).json().path("valid").asBoolean()).isFalse();
		assertThat(anonymous.get("/receipt-keys").json().path("data").get(0).path("algorithm").asString())
			.isEqualTo("Ed25519");
		assertThat(api.get("/cancellations/" + number + "/receipt").raw()).isEqualTo(receipt.raw());
	}

	@Test
	void theReceiptHoldsTheCancellationAsItsAnswerGaveItWithTheRefundPaidBack() {
		String account = fixtures.accountWithVisa();
		Api.Response cancelled = fixtures.cancel(fixtures.subscribe(account, "antivirus-annual"), "IMMEDIATE");
		assertThat(cancelled.json().path("refunds").get(0).path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(jdbc.sql("SELECT payload IS NOT NULL FROM receipts WHERE confirmation_number = :n")
			.param("n", cancelled.text("confirmationNumber"))
			.query(Boolean.class)
			.single()).as("signed with the refund's settlement, before anyone asked for it").isTrue();

		JsonNode receipt = api.get("/cancellations/" + cancelled.text("confirmationNumber") + "/receipt").json();

		assertThat(receipt.path("cancellation")).isEqualTo(cancelled.json());
		assertThat(api.with("Authorization", null).post("/receipts/verify", receipt).json().path("valid").asBoolean())
			.isTrue();
	}

	@Test
	void aReceiptAskedForWhileItsRefundIsUnansweredIsSignedThenWithTheRefundPendingAndNeverChanges() {
		String account = fixtures.accountWithVisa();
		Api.Response cancelled = fixtures.cancel(fixtures.subscribe(account, "antivirus-annual"), "IMMEDIATE");
		String number = cancelled.text("confirmationNumber");
		String refund = cancelled.json().path("refunds").get(0).path("id").asString();
		// the state a crash leaves between the cancellation's commit and the gateway's answer: the refund PENDING,
		// the receipt not signed yet
		jdbc.sql("UPDATE refunds SET status = 'PENDING', settled_at = NULL WHERE id = :id").param("id", refund).update();
		jdbc.sql("UPDATE receipts SET payload = NULL, issued_at = NULL, key_id = NULL, signature = NULL"
				+ " WHERE confirmation_number = :n").param("n", number).update();

		Api.Response receipt = api.get("/cancellations/" + number + "/receipt");

		assertThat(receipt.status()).isEqualTo(200);
		assertThat(receipt.json().path("cancellation").path("refunds").get(0).path("status").asString())
			.isEqualTo("PENDING");
		assertThat(api.with("Authorization", null).post("/receipts/verify", receipt.raw()).json().path("valid")
			.asBoolean()).isTrue();
		for (int run = 0; run < 20 && refundStatus(number).equals("PENDING"); run++) {
			fixtures.advance("PT2M"); // past the grace period; the advance runs the sweep
		}
		assertThat(refundStatus(number)).as("refund %s marked paid by the sweep", refund).isEqualTo("SUCCEEDED");
		assertThat(api.get("/cancellations/" + number + "/receipt").raw()).as("issued once").isEqualTo(receipt.raw());
	}

	@Test
	void aReceiptWhoseSignatureFailsInTheDatabaseLeavesTheRefundToTheSweepAndTheCancellationStands() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		// the receipt's signature, written with the refund's mark (no savepoint), fails in the database: for this
		// account's receipts only
		jdbc.sql("""
				CREATE FUNCTION test_refuse_signature() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				    IF EXISTS (SELECT 1 FROM cancellations c WHERE c.confirmation_number = NEW.confirmation_number
				               AND c.account_id = '%s') THEN
				        RAISE EXCEPTION 'signature refused by the test';
				    END IF;
				    RETURN NEW;
				END $$""".formatted(account)).update();
		jdbc.sql("""
				CREATE TRIGGER test_refuse_signature BEFORE UPDATE ON receipts FOR EACH ROW
				WHEN (NEW.payload IS NOT NULL) EXECUTE FUNCTION test_refuse_signature()""").update();
		Api.Response cancelled;
		try {
			cancelled = fixtures.cancel(subscription, "IMMEDIATE");
		}
		finally {
			jdbc.sql("DROP TRIGGER test_refuse_signature ON receipts").update();
			jdbc.sql("DROP FUNCTION test_refuse_signature()").update();
		}
		String number = cancelled.text("confirmationNumber");

		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("CANCELLED");
		assertThat(refundStatus(number)).as("its mark went with the failed signature").isEqualTo("PENDING");
		assertThat(jdbc.sql("SELECT payload IS NULL FROM receipts WHERE confirmation_number = :n")
			.param("n", number)
			.query(Boolean.class)
			.single()).isTrue();
		for (int run = 0; run < 20 && refundStatus(number).equals("PENDING"); run++) {
			fixtures.advance("PT2M"); // past the grace period; the advance runs the sweep
		}
		assertThat(refundStatus(number)).as("marked paid by the sweep, from the gateway's ledger").isEqualTo("SUCCEEDED");
		assertThat(fixtures.charges(account)).singleElement()
			.satisfies(c -> assertThat(c.path("status").asString()).isEqualTo("REFUNDED"));
		JsonNode receipt = api.get("/cancellations/" + number + "/receipt").json();
		assertThat(receipt.path("cancellation").path("refunds").get(0).path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(api.with("Authorization", null).post("/receipts/verify", receipt).json().path("valid").asBoolean())
			.isTrue();
	}

	private String refundStatus(String confirmationNumber) {
		return api.get("/cancellations/" + confirmationNumber).json().path("refunds").get(0).path("status").asString();
	}

	@Test
	void anAcceptedOfferDiscountsTheNextRenewalAndCancellingDeclinesIt() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		JsonNode offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("kind").asString()).isEqualTo("DISCOUNT");
		assertThat(api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").path("id")
			.asString()).isEqualTo(offer.path("id").asString());
		Api.Response accepted = api.post("/offers/" + offer.path("id").asString() + "/accept");
		assertThat(accepted.status()).isEqualTo(200);
		assertThat(accepted.json().path("price").path("amount").asLong()).isEqualTo(4499);
		assertThat(accepted.json().path("status").asString()).isEqualTo("ACTIVE");
		assertThat(api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").isNull())
			.isTrue();

		String other = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		String declined = api.post("/subscriptions/" + other + "/cancellation-quote", Map.of()).json().path("offer")
			.path("id").asString();
		Api.Response cancelled = fixtures.cancel(other, "END_OF_TERM");
		assertThat(cancelled.text("status")).isEqualTo("SCHEDULED");
		assertThat(offerStatus(declined)).isEqualTo("DECLINED");
		assertThat(fixtures.subscription(other).json().path("price").path("amount").asLong()).isEqualTo(5999);
		Api.Response stale = api.post("/offers/" + declined + "/accept");
		assertThat(stale.status()).isEqualTo(409);
		assertThat(stale.code()).isEqualTo("OFFER_NOT_AVAILABLE");
	}

	@Test
	void cancellingAtOnceDeclinesTheOpenOfferAndOnlyThatOne() {
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		String open = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").path("id")
			.asString();
		String bystander = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		String untouched = api.post("/subscriptions/" + bystander + "/cancellation-quote", Map.of()).json().path("offer")
			.path("id").asString();

		assertThat(fixtures.cancel(sub, "IMMEDIATE").text("status")).isEqualTo("EFFECTIVE");

		assertThat(offerStatus(open)).isEqualTo("DECLINED");
		assertThat(jdbc.sql("SELECT answered_at IS NOT NULL FROM offers WHERE id = :id").param("id", open)
			.query(Boolean.class).single()).isTrue();
		assertThat(offerStatus(untouched)).isEqualTo("OPEN");
	}

	private String offerStatus(String offerId) {
		return jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", offerId).query(String.class).single();
	}

	@Test
	void noOfferForMinnesotaOrUnknownUsRegion() {
		for (String region : new String[] { "MN", null }) {
			String account = fixtures.account("US", region);
			fixtures.card(account, "tok_visa");
			String sub = fixtures.subscribe(account, "antivirus-annual");
			assertThat(api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").isNull())
				.isTrue();
		}
		String california = fixtures.account("US", "CA");
		fixtures.card(california, "tok_visa");
		String sub = fixtures.subscribe(california, "antivirus-annual");
		assertThat(api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").isObject())
			.isTrue();
	}
}
