package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ComplianceSwitchesOn;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The UK's cooling-off periods (R-UK-5, DMCC Act 2024) with the switch {@code uk-subscription-rules} on: a customer in
 * the United Kingdom may withdraw within 14 days of the purchase and again within 14 days of each yearly renewal,
 * told in the renewal receipt on the renewal's first day; a withdrawal after a renewal refunds that renewal's charge
 * in full and leaves the earlier, used year alone. Monthly renewals commit for less than 12 months: no new period.
 * With the switch off (every other test) a UK customer has no withdrawal at all ({@code PortalWithdrawalIntegrationTests}).
 */
@SubdeskIntegrationTest
@ComplianceSwitchesOn
class UkCoolingOffIntegrationTests extends PortalTestSupport {

	private Customer britishCustomerWith(String planCode) {
		String account = fixtures.account("GB", null);
		fixtures.card(account, "tok_visa");
		String subscription = fixtures.subscribe(account, planCode);
		return new Customer(account, email(account), subscription, fixtures.subscription(subscription).text("orderNumber"));
	}

	private PortalSession.Page withdraw(Customer c) {
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		PortalSession.Page posted = session.post("/withdraw",
				PortalWithdrawalIntegrationTests.form("Harriet Example", c.email(), c.orderNumber()));
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
		return posted;
	}

	private String status(Customer c) {
		return fixtures.subscription(c.subscription()).text("status");
	}

	private Instant periodEnd(Customer c) {
		return Instant.parse(fixtures.subscription(c.subscription()).text("currentPeriodEnd"));
	}

	private static String londonDay(Instant instant, int plusDays) {
		LocalDate day = instant.atZone(ZoneId.of("Europe/London")).toLocalDate().plusDays(plusDays);
		return java.time.format.DateTimeFormatter.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH).format(day);
	}

	@Test
	void aBritishCustomerMayWithdrawWithinFourteenDaysOfTheYearlyRenewalToldInItsReceiptAndGetsTheRenewalsChargeBack() {
		Customer c = britishCustomerWith("vpn-annual");
		assertThat(fixtures.notices(c.account(), "ORDER_CONFIRMATION").get(0).path("body").asString())
			.as("the initial cooling-off is stated at the purchase").contains("Right of withdrawal");
		fixtures.advance("P15D");
		withdraw(c);
		assertThat(status(c)).as("the initial period is over").isEqualTo("ACTIVE");

		Instant renewal = periodEnd(c);
		fixtures.advance(Duration.between(fixtures.now(), renewal).plusHours(1));
		JsonNode receipt = fixtures.notices(c.account(), "RENEWAL_RECEIPT").get(0);
		assertThat(Instant.parse(receipt.path("createdAt").asString())).as("on the renewal's first day").isEqualTo(renewal);
		assertThat(receipt.path("body").asString()).contains("Cooling-off period: this renewal commits you for another year",
				"within 14 days, until the end of " + londonDay(renewal, 14), "/withdraw");

		fixtures.advance("P10D");
		withdraw(c);
		assertThat(status(c)).isEqualTo("CANCELLED");
		List<JsonNode> charges = fixtures.charges(c.account());
		assertThat(charges).hasSize(2);
		JsonNode renewalCharge = charges.stream()
			.filter(ch -> Instant.parse(ch.path("periodStart").asString()).equals(renewal))
			.findFirst()
			.orElseThrow();
		assertThat(renewalCharge.path("status").asString()).isEqualTo("REFUNDED");
		assertThat(renewalCharge.path("refundedAmount").asLong()).isEqualTo(4999);
		assertThat(charges).filteredOn(ch -> ch != renewalCharge)
			.singleElement()
			.satisfies(first -> assertThat(first.path("refundedAmount").asLong()).as("the used first year stays paid").isZero());
		assertThat(fixtures.notices(c.account(), "WITHDRAWAL_ACKNOWLEDGEMENT")).hasSize(1);
		assertThat(fixtures.notices(c.account(), "REFUND_ISSUED").get(0).path("body").asString()).contains("$49.99");
	}

	@Test
	void theWithdrawalFormTellsCustomersInTheUnitedKingdomThatTheyMayWithdrawToo() {
		PortalSession session = new PortalSession(port);
		assertThat(session.get("/withdraw").body()).contains("Customers in the EU and in the United Kingdom can withdraw")
			.contains("after each yearly renewal")
			.doesNotContain("Customers in the EU can withdraw");
	}

	@Test
	void theRenewalsPeriodEndsAfterFourteenDaysAndAMonthlyRenewalOpensNone() {
		Customer yearly = britishCustomerWith("vpn-annual");
		Customer monthly = britishCustomerWith("antivirus-monthly");
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(yearly)).plusDays(15));
		withdraw(yearly);
		assertThat(status(yearly)).as("15 days after the renewal").isEqualTo("ACTIVE");
		assertThat(fixtures.notices(monthly.account(), "RENEWAL_RECEIPT")).isNotEmpty()
			.allSatisfy(r -> assertThat(r.path("body").asString()).doesNotContain("Cooling-off"));

		Customer renewedMonthly = britishCustomerWith("antivirus-monthly");
		fixtures.advance(Duration.between(fixtures.now(), periodEnd(renewedMonthly)).plusDays(1));
		assertThat(fixtures.charges(renewedMonthly.account())).hasSize(2);
		withdraw(renewedMonthly);
		assertThat(status(renewedMonthly)).as("a monthly renewal commits for less than 12 months").isEqualTo("ACTIVE");
	}

	@Test
	void withinTheFirstFourteenDaysEverythingPaidIsRefunded() {
		Customer c = britishCustomerWith("antivirus-annual");
		fixtures.advance("P13D");
		withdraw(c);
		assertThat(status(c)).isEqualTo("CANCELLED");
		assertThat(fixtures.charges(c.account())).singleElement()
			.satisfies(ch -> assertThat(ch.path("status").asString()).isEqualTo("REFUNDED"));
	}

	/**
	 * R-UK-2: a reminder before the first payment after a trial, and before each renewal that ends a 6-month period;
	 * the general schedule already sends one before every renewal (monthly plans 3 days ahead) and TRIAL_ENDING before a
	 * trial's first charge, so the sixth monthly renewal and the trial's conversion are each announced in advance.
	 */
	@Test
	void aBritishCustomerIsRemindedBeforeTheFirstPaymentAfterATrialAndBeforeTheRenewalEndingSixMonths() {
		Customer monthly = britishCustomerWith("antivirus-monthly");
		Customer trial = britishCustomerWith("vpn-monthly-trial");
		Instant start = Instant.parse(fixtures.subscription(monthly.subscription()).text("currentPeriodStart"));
		Instant sixMonths = start.atZone(java.time.ZoneOffset.UTC).plusMonths(6).toInstant();
		fixtures.advance(Duration.between(fixtures.now(), sixMonths).plusHours(1));

		JsonNode sixth = fixtures.charges(monthly.account()).stream()
			.filter(ch -> Instant.parse(ch.path("periodStart").asString()).equals(sixMonths))
			.findFirst()
			.orElseThrow();
		assertThat(fixtures.notices(monthly.account(), "RENEWAL_REMINDER"))
			.as("a reminder came before the renewal that ends the 6-month period")
			.anySatisfy(r -> assertThat(Instant.parse(r.path("createdAt").asString()))
				.isBetween(sixMonths.minus(Duration.ofDays(14)), sixMonths.minusSeconds(1)));
		assertThat(Instant.parse(sixth.path("createdAt").asString())).isEqualTo(sixMonths);

		JsonNode firstPayment = fixtures.charges(trial.account()).stream()
			.min(java.util.Comparator.comparing(ch -> Instant.parse(ch.path("createdAt").asString())))
			.orElseThrow();
		assertThat(fixtures.notices(trial.account(), "TRIAL_ENDING")).singleElement()
			.satisfies(n -> assertThat(Instant.parse(n.path("createdAt").asString()))
				.isBefore(Instant.parse(firstPayment.path("createdAt").asString())));
	}
}
