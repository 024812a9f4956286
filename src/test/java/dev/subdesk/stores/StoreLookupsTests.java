package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.catalog.Term;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** When the store is asked about a purchase whose notice did not come, and how often. */
class StoreLookupsTests {

	private static final Instant START = Instant.parse("2026-11-10T10:00:00Z");
	private static final Instant END = Instant.parse("2026-12-10T10:00:00Z");

	@Test
	void anAutoRenewingOneIsAskedAboutAnHourPastItsPeriodWhenItsCoverageRunsOut() {
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.ACTIVE, true, null, null)))
			.isEqualTo(END.plus(Duration.ofHours(1)));
	}

	@Test
	void aPastDueOneIsAskedAboutAnHourPastTheStoresGraceOrOurDunningWhenTheStoreNamedNoEnd() {
		Instant grace = END.plus(Duration.ofDays(16));
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.PAST_DUE, true, null, grace)))
			.isEqualTo(grace.plus(Duration.ofHours(1)));
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.PAST_DUE, true, null, END)))
			.as("billing retry without grace").isEqualTo(END.plus(Duration.ofHours(1)));
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.PAST_DUE, true, null, null)))
			.isEqualTo(END.plus(Duration.ofDays(5)).plus(Duration.ofHours(1)));
	}

	@Test
	void oneThatEndedOrWhoseEndIsScheduledIsNotAskedAbout() {
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.ACTIVE, false, END, null))).isNull();
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.EXPIRED, true, null, null))).isNull();
		assertThat(StoreLookups.dueAt(subscription(Subscription.Status.CANCELLED, false, END, null))).isNull();
	}

	@Test
	void anAppStoreOneIsScheduledAsAGooglePlayOne() {
		assertThat(StoreLookups.dueAt(subscription(Channel.APP_STORE, Subscription.Status.ACTIVE, true, null, null)))
			.isEqualTo(END.plus(Duration.ofHours(1)));
		assertThat(StoreLookups.dueAt(subscription(Channel.APP_STORE, Subscription.Status.PAST_DUE, true, null, END)))
			.isEqualTo(END.plus(Duration.ofHours(1)));
		assertThat(StoreLookups.dueAt(subscription(Channel.APP_STORE, Subscription.Status.ACTIVE, false, END, null)))
			.isNull();
	}

	@Test
	void theIntervalDoublesFromAnHourUpToADay() {
		assertThat(StoreLookups.interval(1)).isEqualTo(Duration.ofHours(1));
		assertThat(StoreLookups.interval(2)).isEqualTo(Duration.ofHours(2));
		assertThat(StoreLookups.interval(5)).isEqualTo(Duration.ofHours(16));
		assertThat(StoreLookups.interval(6)).isEqualTo(Duration.ofDays(1));
		assertThat(StoreLookups.interval(1_000)).isEqualTo(Duration.ofDays(1));
	}

	@Test
	void eachStoresPurchasesAreAskedInTurnEachStoresInDueOrder() {
		assertThat(StoreLookups.inTurn(java.util.List.of(java.util.List.of("g1", "g2", "g3", "g4"),
				java.util.List.of("a1", "a2")))).containsExactly("g1", "a1", "g2", "a2", "g3", "g4");
		assertThat(StoreLookups.inTurn(java.util.List.of(java.util.List.of(), java.util.List.of("a1"))))
			.containsExactly("a1");
	}

	private static Subscription subscription(Subscription.Status status, boolean autoRenew, @Nullable Instant cancelAt,
			@Nullable Instant storeGraceUntil) {
		return subscription(Channel.GOOGLE_PLAY, status, autoRenew, cancelAt, storeGraceUntil);
	}

	private static Subscription subscription(Channel channel, Subscription.Status status, boolean autoRenew,
			@Nullable Instant cancelAt, @Nullable Instant storeGraceUntil) {
		return new Subscription("sub_1", "acct_1", "antivirus-monthly", "ORD-0000-0000", channel, status,
				autoRenew, Term.parse("P1M"), START, 0, START, END, cancelAt,
				status == Subscription.Status.CANCELLED ? cancelAt : null, null, null, null, Money.of(599, "USD"), 3,
				START, 1, storeGraceUntil);
	}
}
