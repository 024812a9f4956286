package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import tools.jackson.databind.JsonNode;

/**
 * A renewal attempt the gateway declines while the customer cancels: the answer comes for a subscription that has
 * ended meanwhile, and changes nothing. No PAST_DUE, no "we will retry" notice, one cancellation event, as a success
 * answered that late would not renew it either.
 */
@Import(RenewalDeclinedAfterACancellationIntegrationTests.CancellingGateway.class)
class RenewalDeclinedAfterACancellationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	CancellingGateway gateway;

	/** The sandbox, except that a renewal of the chosen subscription runs {@code meanwhile} and is declined. */
	@Primary
	static final class CancellingGateway extends DelegatingGateway {

		volatile @Nullable String subscription;
		volatile @Nullable Runnable meanwhile;

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			return chargeAll(List.of(new ChargeRequest(token, amount, idempotencyKey))).getFirst();
		}

		@Override
		public List<PaymentResult> chargeAll(List<ChargeRequest> requests) {
			List<PaymentResult> results = new ArrayList<>(requests.size());
			for (ChargeRequest r : requests) {
				String chosen = subscription;
				if (chosen != null && r.idempotencyKey().startsWith("renewal_" + chosen + "_")) {
					Runnable during = meanwhile;
					meanwhile = null;
					if (during != null) {
						during.run();
					}
					results.add(new PaymentResult.Declined("card_declined"));
				}
				else {
					results.add(super.chargeAll(List.of(r)).getFirst());
				}
			}
			return results;
		}
	}

	@Test
	void aDeclineAnsweredAfterTheCustomerCancelledChangesNothing() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Instant renewal = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		gateway.subscription = sub;
		gateway.meanwhile = () -> assertThat(fixtures.cancel(sub, "IMMEDIATE").status()).isEqualTo(200);

		fixtures.advance(Duration.between(Instant.parse(api.get("/test-clock").text("now")), renewal).plusHours(1));

		assertThat(gateway.meanwhile).as("the customer cancelled while the gateway had the attempt").isNull();
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
		List<String> types = new ArrayList<>();
		for (JsonNode e : api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values()) {
			types.add(e.path("type").asString());
		}
		assertThat(types).as("ended once, never past due").containsOnlyOnce("subscription.cancelled")
			.doesNotContain("subscription.past_due");
		Api.Response notices = api.get("/accounts/" + account + "/notices?limit=100");
		assertThat(notices.json().path("data").values()).extracting(n -> n.path("type").asString())
			.doesNotContain("PAYMENT_FAILED");
	}
}
