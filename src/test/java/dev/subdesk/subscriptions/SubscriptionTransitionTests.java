package dev.subdesk.subscriptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.catalog.Term;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A subscription guards its own transitions: over random sequences of transitions, one the state forbids is
 * refused with a domain error and never applied, and one it allows is applied. Seeded, so a failure repeats.
 */
class SubscriptionTransitionTests {

	private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

	private record Transition(String name, UnaryOperator<Subscription> apply) {
	}

	private static final List<Transition> TRANSITIONS = List.of(
			new Transition("scheduleEnd", s -> s.scheduleEnd(s.currentPeriodEnd(), "C-1")),
			new Transition("resume", s -> s.resume("pm_1")),
			new Transition("end CANCELLED", s -> s.end(Subscription.Status.CANCELLED, START.plusSeconds(60), "C-2")),
			new Transition("end EXPIRED", s -> s.end(Subscription.Status.EXPIRED, START.plusSeconds(60), null)),
			new Transition("withRenewalPrice", s -> s.withRenewalPrice(Money.of(500, "EUR"))),
			new Transition("withPaymentMethod", s -> s.withPaymentMethod("pm_2")));

	@Test
	void noForbiddenTransitionIsEverAppliedOverRandomSequences() {
		Random random = new Random(13);
		int refused = 0;
		for (int run = 0; run < 2_000; run++) {
			Subscription s = fresh(random);
			for (int step = 0; step < 12; step++) {
				Transition t = TRANSITIONS.get(random.nextInt(TRANSITIONS.size()));
				Subscription before = s;
				if (forbidden(t.name(), before)) {
					assertThatThrownBy(() -> t.apply().apply(before)).as("%s on %s", t.name(), before)
						.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("ALREADY_CANCELLED"));
					refused++;
					continue;
				}
				s = t.apply().apply(before);
				assertThat(s.id()).isEqualTo(before.id());
				if (before.ended()) {
					assertThat(s.status()).as("an end is final").isEqualTo(before.status());
				}
			}
		}
		assertThat(refused).as("the sequences reached forbidden transitions").isPositive();
	}

	@Test
	void cancellableIsNotEndedAndBilledByUs() {
		for (Channel channel : Channel.values()) {
			for (Subscription.Status status : Subscription.Status.values()) {
				Subscription s = subscription(channel, status);
				assertThat(s.cancellable()).as("%s %s", channel, status)
					.isEqualTo(channel == Channel.DIRECT && (status == Subscription.Status.TRIALING
							|| status == Subscription.Status.ACTIVE || status == Subscription.Status.PAST_DUE));
			}
		}
	}

	@Test
	void endAcceptsOnlyAnEndStatus() {
		Subscription s = subscription(Channel.DIRECT, Subscription.Status.ACTIVE);
		assertThatThrownBy(() -> s.end(Subscription.Status.PAST_DUE, START, null))
			.isInstanceOf(IllegalArgumentException.class);
	}

	/** What the state forbids: every transition but a card change, once ended. */
	private static boolean forbidden(String transition, Subscription s) {
		return s.ended() && !transition.equals("withPaymentMethod");
	}

	private static Subscription fresh(Random random) {
		Channel channel = Channel.values()[random.nextInt(Channel.values().length)];
		Subscription.Status status = Subscription.Status.values()[random.nextInt(Subscription.Status.values().length)];
		return subscription(channel, status);
	}

	private static Subscription subscription(Channel channel, Subscription.Status status) {
		return new Subscription("sub_1", "acct_1", "antivirus-annual", "ORD-1", channel, status, true, Term.P1Y, START,
				0, START, START.plus(Duration.ofDays(365)), null, null, null, null, "pm_1", Money.of(1000, "EUR"), 3,
				START, 1, null);
	}
}
