package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The 14 days of the EU withdrawal period are whole local days of the customer's country, starting the day after
 * the purchase (Regulation 1182/71): no customer loses the evening of the 14th day, and summer time neither adds
 * nor takes an hour.
 */
class WithdrawalPeriodTests {

	@Test
	void thePeriodEndsWithTheFourteenthDayAfterThePurchaseInTheCustomersCountry() {
		// 28 November 2026, 11:00 in Berlin: the period runs to the end of 12 December, Berlin time (23:00 UTC)
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-11-28T10:00:00Z"), "DE"))
			.isEqualTo(Instant.parse("2026-12-12T23:00:00Z"));
		// the same instant in Dublin (UTC in winter): to the end of 12 December, midnight UTC
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-11-28T10:00:00Z"), "IE"))
			.isEqualTo(Instant.parse("2026-12-13T00:00:00Z"));
	}

	@Test
	void aPurchaseLateInTheEveningCountsFromTheLocalDay() {
		// 23:30 in Berlin on 28 November is 22:30 UTC: still 28 November there, so the period ends with 12 December
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-11-28T22:30:00Z"), "DE"))
			.isEqualTo(Instant.parse("2026-12-12T23:00:00Z"));
		// 00:30 in Athens on 29 November is 22:30 UTC on the 28th: there the period ends with 13 December
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-11-28T22:30:00Z"), "GR"))
			.isEqualTo(Instant.parse("2026-12-13T22:00:00Z"));
	}

	@Test
	void summerTimeStartingOrEndingInsideThePeriodChangesNoLocalDay() {
		// bought 20 March 2027, 10:00 CET; summer time starts on 28 March: the period ends at midnight CEST
		// after 3 April, 22:00 UTC (14 x 24 h would have ended it at 09:00 UTC, 11:00 local, on 3 April)
		assertThat(Withdrawals.periodEnd(Instant.parse("2027-03-20T09:00:00Z"), "DE"))
			.isEqualTo(Instant.parse("2027-04-03T22:00:00Z"));
		// bought 20 October 2026, 14:00 CEST; summer time ends on 25 October: midnight CET after 3 November
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-10-20T12:00:00Z"), "DE"))
			.isEqualTo(Instant.parse("2026-11-03T23:00:00Z"));
	}

	@Test
	void outsideTheEuTheDaysAreCountedInUtc() {
		assertThat(Withdrawals.EU).doesNotContainKey("US").doesNotContainKey("GB").hasSize(27);
		assertThat(Withdrawals.periodEnd(Instant.parse("2026-11-28T10:00:00Z"), "US"))
			.isEqualTo(Instant.parse("2026-12-13T00:00:00Z"));
	}
}
