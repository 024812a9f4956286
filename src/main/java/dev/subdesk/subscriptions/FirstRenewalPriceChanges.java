package dev.subdesk.subscriptions;

import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.PriceChange;
import dev.subdesk.catalog.PriceChanges;
import dev.subdesk.checkout.FirstRenewalPrices;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.jurisdictions.ScheduledNotice;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the first renewal of a purchase made now charges, as {@link SubscriptionPriceChanges} will decide it
 * ({@link FirstRenewalPrices}, for the checkout's disclosure): a change that moves existing subscribers, in the
 * purchase's currency, effective after the purchase and at or before that renewal, reaches it when its PRICE_CHANGE
 * notice, sent the rule table's days before the renewal (at once when that is already past), is at least the
 * table's {@code minDaysBefore} ahead of it ({@link SubscriptionPriceChange#untoldNoticeAt} and
 * {@link SubscriptionPriceChange#appliesAt}: the rules the API's price of a subscription in its first term follows
 * too; a notice due at once goes out after the purchase, so a first renewal exactly {@code minDaysBefore} away keeps
 * the old price); where the
 * increase needs consent, the price is the one the renewal charges if the customer accepts it. A grandfathering
 * change leaves the new subscriber its price.
 */
@Component
class FirstRenewalPriceChanges implements FirstRenewalPrices {

	private final PriceChanges priceChanges;
	private final Jurisdictions jurisdictions;
	private final JdbcClient jdbc;

	FirstRenewalPriceChanges(PriceChanges priceChanges, Jurisdictions jurisdictions, JdbcClient jdbc) {
		this.priceChanges = priceChanges;
		this.jurisdictions = jurisdictions;
		this.jdbc = jdbc;
	}

	@Override
	@Transactional(readOnly = true)
	public Optional<NewPrice> at(Plan plan, String country, Instant purchase, Instant firstRenewal) {
		return reaching(plan, country, purchase, firstRenewal).map(Reaching::newPrice);
	}

	/**
	 * Records, in the purchase's transaction, the change that the first renewal of the subscription {@code
	 * subscriptionId} was told it charges ({@link #at} for the purchase's terms: what its checkout disclosure stated
	 * and its order confirmation states), if any: the API's price counts that change, and no other, until its notice
	 * ({@link SubscriptionPriceChanges#atNextRenewal}). The caller holds the plan's schedule
	 * ({@link PriceChanges#holdSchedule}), so that no change the purchase did not see is scheduled before it commits.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void recordDisclosed(String subscriptionId, Plan plan, String country, Instant purchase, Instant firstRenewal) {
		reaching(plan, country, purchase, firstRenewal).ifPresent(r -> jdbc.sql("""
				INSERT INTO subscription_disclosed_price_changes (subscription_id, price_change_id, renewal_at)
				VALUES (:sub, :change, :renewal)
				""")
			.param("sub", subscriptionId)
			.param("change", r.change().id())
			.param("renewal", Timestamp.from(firstRenewal))
			.update());
	}

	/** A scheduled change that reaches a first renewal, with the price it charges there. */
	private record Reaching(PriceChange change, NewPrice newPrice) {
	}

	private Optional<Reaching> reaching(Plan plan, String country, Instant purchase, Instant firstRenewal) {
		String term = plan.term().name();
		Duration lead = Duration.ofDays(jurisdictions.daysBefore(ScheduledNotice.PRICE_CHANGE, term));
		Duration minimumLead = Duration.ofDays(jurisdictions.minDaysBefore(ScheduledNotice.PRICE_CHANGE, term));
		return priceChanges.forPlan(plan.code())
			.stream()
			.filter(PriceChange::movesExisting)
			.filter(c -> c.price().currency().equals(plan.price().currency()))
			.filter(c -> c.effectiveFrom().isAfter(purchase) && !c.effectiveFrom().isAfter(firstRenewal))
			.max(Comparator.comparing(PriceChange::effectiveFrom))
			.flatMap(change -> SubscriptionPriceChange.untoldNoticeAt(firstRenewal, purchase, minimumLead, lead)
				.flatMap(noticeAt -> {
					boolean consent = change.price().amount() > plan.price().amount()
							&& jurisdictions.forCustomer(country, null).priceIncreaseConsent();
					// the row the notice will write, as if accepted where consent is required
					SubscriptionPriceChange row = new SubscriptionPriceChange("", change.id(), plan.price(),
							change.price(), firstRenewal, noticeAt, consent, consent ? noticeAt : null, null,
							SubscriptionPriceChange.Status.PENDING);
					return row.appliesAt(firstRenewal, minimumLead, lead)
							? Optional.of(new Reaching(change, new NewPrice(change.price(), change.effectiveFrom(), consent)))
							: Optional.empty();
				}));
	}

}
