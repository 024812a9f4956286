package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AgentRefunds;
import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The agent's refund limit is the support module's rule, not the console's: {@link AgentRefunds} refuses an amount
 * above what the written policy gives back, and any refund once the policy gives nothing, whoever calls it.
 */
class AgentRefundLimitIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AgentRefunds refunds;

	@Autowired
	Billing billing;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void anAgentRefundsAtMostWhatThePolicyGivesBack() {
		Callers.Caller caller = callers.withVpn("10115");
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();
		long limit = refunds.limit(charge).amount();
		assertThat(limit).isPositive();

		assertThatThrownBy(() -> refunds.refund(charge, limit + 1)).isInstanceOfSatisfying(SubdeskException.class,
				e -> assertThat(e.status()).isEqualTo(400));
		assertThatThrownBy(() -> refunds.refund(charge, 0)).isInstanceOf(SubdeskException.class);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();

		assertThat(refunds.refund(charge, 1000).amount()).isEqualTo(1000);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(1000);
	}

	@Test
	void nothingOnceThePolicyGivesNothingBack() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D"); // the 60-day money-back window has closed
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();

		assertThat(refunds.limit(charge).positive()).isFalse();
		assertThatThrownBy(() -> refunds.refund(charge, 100)).isInstanceOfSatisfying(SubdeskException.class,
				e -> assertThat(e.code()).isEqualTo("NOTHING_TO_REFUND"));
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
	}
}
