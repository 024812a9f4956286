package dev.subdesk.cancellation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.billing.Charge;
import dev.subdesk.shared.Money;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The unused share of a term that a termination without notice refunds (R-DE-6), in whole minor units. */
class RefundPolicyTests {

	private static Charge charge(long amount, long refunded) {
		return new Charge("ch_1", "acct_1", "sub_1", amount, "USD", Charge.Status.SUCCEEDED,
				Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"),
				Instant.parse("2026-01-01T00:00:00Z"), refunded, "pm_1", 1);
	}

	@Test
	void theUnusedShareIsCountedInSecondsAndRoundedDown() {
		// 2 July 2026 00:00 leaves 183 of 365 days: 5999 x 183 / 365 = 3007.69...
		assertThat(RefundPolicy.unusedShare(charge(5999, 0), Instant.parse("2026-07-02T00:00:00Z")))
			.contains(Money.of(3007, "USD"));
	}

	@Test
	void itNeverExceedsWhatIsLeftOfTheChargeAndIsNothingOnceThePeriodIsOver() {
		assertThat(RefundPolicy.unusedShare(charge(5999, 5000), Instant.parse("2026-07-02T00:00:00Z")))
			.contains(Money.of(999, "USD"));
		assertThat(RefundPolicy.unusedShare(charge(5999, 5999), Instant.parse("2026-07-02T00:00:00Z"))).isEmpty();
		assertThat(RefundPolicy.unusedShare(charge(5999, 0), Instant.parse("2027-01-01T00:00:00Z"))).isEmpty();
	}

	@Test
	void theHighestPriceAPlanMayHaveIsSharedExactlyWithoutOverflowing() {
		// 10^12 x 15,811,200 seconds is past a long; the share is not: 10^12 x 183 / 365 = 501,369,863,013.69...
		assertThat(RefundPolicy.unusedShare(charge(1_000_000_000_000L, 0), Instant.parse("2026-07-02T00:00:00Z")))
			.contains(Money.of(501_369_863_013L, "USD"));
	}
}
