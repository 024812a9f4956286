package dev.subdesk.api;

import dev.subdesk.api.Views.PatchedSubscriptionView;
import dev.subdesk.api.Views.SubscriptionView;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.subscriptions.PriceChangeAtRenewal;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Subscriptions as the API answers them, with {@code price} what the next renewal will cost (shared/API.md): the
 * subscription's own price (an accepted discount shows there), unless a plan's price change announced to the
 * subscriber reaches that renewal; then what the renewal engine will charge at it (the new price, or a lower discount
 * accepted for it; where the customer's consent is awaited, what it charges if accepted: without it there is no
 * renewal); a change a purchase's checkout disclosure stated for its first renewal
 * counts from the purchase on. One query for a page of subscriptions without a pending change nor one in its first
 * term.
 */
@Component
class SubscriptionViews {

	private final SubscriptionPriceChanges priceChanges;

	SubscriptionViews(SubscriptionPriceChanges priceChanges) {
		this.priceChanges = priceChanges;
	}

	SubscriptionView of(Subscription s) {
		return of(List.of(s)).getFirst();
	}

	List<SubscriptionView> of(List<Subscription> all) {
		Map<String, PriceChangeAtRenewal> next = priceChanges.atNextRenewal(all);
		return all.stream().map(s -> SubscriptionView.of(s, nextCharge(s, next))).toList();
	}

	/** A page of subscriptions as views, for {@link Paging#list} to give its signed cursor. */
	Page<SubscriptionView> page(Page<Subscription> page) {
		return new Page<>(of(page.data()), page.next());
	}

	PatchedSubscriptionView patched(Subscription s, @Nullable String confirmationNumber) {
		return PatchedSubscriptionView.of(of(s), confirmationNumber);
	}

	private static Money nextCharge(Subscription s, Map<String, PriceChangeAtRenewal> next) {
		PriceChangeAtRenewal change = next.get(s.id());
		return change == null ? s.price() : change.charge();
	}
}
