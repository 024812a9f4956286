package dev.subdesk.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The wait of a record the sweep of pending money records left open ({@link Billing#retryAfter}): it grows with each
 * try that leaves the record open, so records that keep failing take a run's batch less and less often, and it never
 * passes a day, so such a record is still tried (and its decline warned) at least once a day.
 */
class SweepRetryProperties {

	@Property
	void theWaitDoublesWithEachTryUntilItIsADay(@ForAll @IntRange(min = 1, max = 1_000_001) int tries) {
		Duration wait = Billing.retryAfter(tries);
		Duration next = Billing.retryAfter(tries + 1);

		assertThat(wait).isBetween(Billing.FIRST_RETRY, Billing.LONGEST_RETRY);
		assertThat(next).isEqualTo(min(wait.multipliedBy(2), Billing.LONGEST_RETRY));
	}

	@Property
	void aRecordLeftOpenIsTriedAgainWithinADayHoweverOftenItFailed(@ForAll @IntRange(min = 1, max = 1_000_001) int tries) {
		assertThat(Billing.retryAfter(tries)).isLessThanOrEqualTo(Duration.ofDays(1)).isPositive();
	}

	@Property
	void aRecordTheGatewayDidNotDeclineWaitsAtMostAnHourAndOneItDeclinedAsTheCurveSays(
			@ForAll @IntRange(min = 1, max = 1_000_001) int tries) {
		Duration curve = Billing.retryAfter(tries);

		assertThat(Billing.retryAfter(tries, true)).isEqualTo(curve);
		assertThat(Billing.retryAfter(tries, false)).isEqualTo(min(curve, Duration.ofHours(1)));
	}

	@Example
	void aRecordTheGatewayDidNotAnswerWaitsAnHourFromItsSeventhTry() {
		assertThat(Billing.retryAfter(6, false)).isEqualTo(Duration.ofMinutes(32));
		assertThat(Billing.retryAfter(7, false)).isEqualTo(Duration.ofHours(1));
		assertThat(Billing.retryAfter(7, true)).isEqualTo(Duration.ofMinutes(64));
	}

	@Example
	void theFirstWaitIsAMinuteAndADayIsReachedAfterTwelveTries() {
		assertThat(Billing.retryAfter(1)).isEqualTo(Duration.ofMinutes(1));
		assertThat(Billing.retryAfter(11)).isEqualTo(Duration.ofMinutes(1024));
		assertThat(Billing.retryAfter(12)).isEqualTo(Duration.ofDays(1));
	}

	private static Duration min(Duration a, Duration b) {
		return a.compareTo(b) <= 0 ? a : b;
	}
}
