package dev.subdesk.entitlements;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.catalog.Term;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class CoveragePolicyTests {

	private static final Instant START = Instant.parse("2026-01-10T10:00:00Z");
	private static final Instant END = Instant.parse("2027-01-10T10:00:00Z");
	private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

	@Test
	void anActiveSubscriptionCoversUntilTheEndOfThePeriodPaidFor() {
		assertThat(until(subscription(Subscription.Status.ACTIVE, null, null), null, NOW)).contains(END);
	}

	@Test
	void aScheduledCancellationCoversUntilItTakesEffect() {
		Instant cancelAt = Instant.parse("2026-09-01T00:00:00Z");
		assertThat(until(subscription(Subscription.Status.ACTIVE, cancelAt, null), null, NOW))
			.contains(cancelAt);
	}

	@Test
	void aPastDueSubscriptionCoversUntilItsLastDunningRetry() {
		assertThat(until(subscription(Subscription.Status.PAST_DUE, null, null), null, END.plusSeconds(60)))
			.contains(END.plus(Duration.ofDays(5)));
	}

	@Test
	void aStoreBilledPastDueSubscriptionCoversAsLongAsTheStoreServesIt() {
		Subscription pastDue = subscription(Subscription.Status.PAST_DUE, null, null);
		Instant graceEnd = END.plus(Duration.ofDays(16));
		assertThat(until(withStoreGrace(pastDue, graceEnd), null, END.plus(Duration.ofDays(10))))
			.as("the store's grace, past our five days").contains(graceEnd);
		assertThat(until(withStoreGrace(pastDue, END), null, END.minusSeconds(60)))
			.as("no grace: the period paid for").contains(END);
		assertThat(until(withStoreGrace(pastDue, END), null, END)).isEmpty();
		assertThat(until(pastDue, null, END.plusSeconds(60))).as("no end named: our dunning's")
			.contains(END.plus(Duration.ofDays(5)));
	}

	private static Subscription withStoreGrace(Subscription s, Instant graceUntil) {
		return new Subscription(s.id(), s.accountId(), s.planCode(), s.orderNumber(), Channel.APP_STORE, s.status(),
				s.autoRenew(), s.term(), s.anchor(), s.periodIndex(), s.currentPeriodStart(), s.currentPeriodEnd(),
				s.cancelAt(), s.cancelledAt(), s.scheduledBy(), s.parentId(), null, s.price(), s.deviceLimit(),
				s.createdAt(), s.seq(), graceUntil);
	}

	@Test
	void anAutoRenewingSubscriptionWhoseRenewalHasNotRunYetIsCoveredAnHourAtATimeWithinTheDunningGrace() {
		Subscription due = subscription(Subscription.Status.ACTIVE, null, null);
		assertThat(until(due, null, END)).contains(END.plus(Duration.ofHours(1)));
		Instant lagging = END.plus(Duration.ofDays(2));
		assertThat(until(due, null, lagging)).as("not five days past what is paid for")
			.contains(lagging.plus(Duration.ofHours(1)));
		assertThat(until(due, null, END.plus(Duration.ofDays(5)).minusSeconds(60)))
			.contains(END.plus(Duration.ofDays(5)));
		assertThat(until(due, null, END.plus(Duration.ofDays(5)))).isEmpty();
	}

	@Test
	void aStoreBilledSubscriptionPastThePeriodPaidForIsCoveredAnHourLongerWhileTheStoresNoticeMayLagThenNot() {
		Subscription store = withChannel(subscription(Subscription.Status.ACTIVE, null, null), Channel.GOOGLE_PLAY);
		Instant lagEnd = END.plus(Duration.ofHours(1));
		assertThat(until(store, null, END.minusSeconds(60))).contains(END);
		assertThat(until(store, null, END)).contains(lagEnd);
		assertThat(until(store, null, END.plus(Duration.ofMinutes(59)))).as("not an hour from now: a fixed end")
			.contains(lagEnd);
		assertThat(until(store, null, lagEnd)).isEmpty();
		assertThat(until(store, null, END.plus(Duration.ofDays(2)))).as("not our renewal job's five days")
			.isEmpty();
		Subscription ending = withChannel(subscription(Subscription.Status.ACTIVE, END, null), Channel.APP_STORE);
		assertThat(until(ending, null, END)).as("auto-renewal off: it ends with its period").isEmpty();
	}

	private static Subscription withChannel(Subscription s, Channel channel) {
		return new Subscription(s.id(), s.accountId(), s.planCode(), s.orderNumber(), channel, s.status(), s.autoRenew(),
				s.term(), s.anchor(), s.periodIndex(), s.currentPeriodStart(), s.currentPeriodEnd(), s.cancelAt(),
				s.cancelledAt(), s.scheduledBy(), s.parentId(), null, s.price(), s.deviceLimit(), s.createdAt(), s.seq(),
				s.storeGraceUntil());
	}

	@Test
	void anEndedSubscriptionOrOneWhoseCoverageRanOutCoversNothing() {
		assertThat(until(subscription(Subscription.Status.CANCELLED, NOW, null), null, NOW)).isEmpty();
		assertThat(until(subscription(Subscription.Status.EXPIRED, null, null), null, NOW)).isEmpty();
		assertThat(until(subscription(Subscription.Status.ACTIVE, END, null), null, END)).isEmpty();
		assertThat(until(subscription(Subscription.Status.PAST_DUE, null, null), null,
				END.plus(Duration.ofDays(5)))).isEmpty();
	}

	@Test
	void anAddOnNeverCoversPastItsBase() {
		Instant baseEnds = Instant.parse("2026-08-01T00:00:00Z");
		Subscription base = subscription(Subscription.Status.ACTIVE, baseEnds, null);
		Subscription addOn = subscription(Subscription.Status.ACTIVE, null, base.id());
		assertThat(until(addOn, base, NOW)).contains(baseEnds);
		assertThat(until(addOn, subscription(Subscription.Status.CANCELLED, NOW, null), NOW)).isEmpty();
	}

	@Test
	void aSubscriptionWhoseCurrentPeriodWasRefundedInFullCoversNothingNorDoAnyOfItsAddOns() {
		Subscription base = subscription(Subscription.Status.ACTIVE, null, null);
		Subscription addOn = subscription(Subscription.Status.ACTIVE, null, base.id());
		CoveragePolicy.RefundedPeriods baseRefunded = s -> s.id().equals(base.id());
		assertThat(CoveragePolicy.until(base, null, NOW, baseRefunded)).isEmpty();
		assertThat(CoveragePolicy.until(addOn, base, NOW, baseRefunded)).as("never past its base").isEmpty();
		CoveragePolicy.RefundedPeriods addOnRefunded = s -> s.id().equals(addOn.id());
		assertThat(CoveragePolicy.until(addOn, base, NOW, addOnRefunded)).isEmpty();
		assertThat(CoveragePolicy.until(base, null, NOW, addOnRefunded)).contains(END);
		Subscription pastDue = subscription(Subscription.Status.PAST_DUE, null, null);
		assertThat(CoveragePolicy.until(pastDue, null, END.plusSeconds(60), s -> true)).isEmpty();
	}

	/** Coverage when no period was refunded in full. */
	private static java.util.Optional<Instant> until(Subscription s, @Nullable Subscription parent, Instant now) {
		return CoveragePolicy.until(s, parent, now, refunded -> false);
	}

	private static Subscription subscription(Subscription.Status status, @Nullable Instant cancelAt,
			@Nullable String parentId) {
		return new Subscription("sub_" + status + (parentId == null ? "" : "_addon"), "acct_1", "antivirus-annual",
				"ORD-0000-0000", Channel.DIRECT, status, cancelAt == null, Term.parse("P1Y"), START, 0, START, END,
				cancelAt, status == Subscription.Status.CANCELLED ? cancelAt : null, null, parentId, "pm_1",
				Money.of(5999, "USD"), 3, START, 1, null);
	}
}
