package dev.subdesk.subscriptions;

import dev.subdesk.checkout.ConsentRequest;
import org.jspecify.annotations.Nullable;

/**
 * What a buyer asks for: the plan, optionally the card, the parent (for an add-on), the channel, and the buyer's
 * consent to automatic renewal (required for a direct purchase where the rule table says so).
 */
public record PurchaseRequest(String accountId, String planCode, @Nullable String paymentMethodId,
		@Nullable String parentSubscriptionId, Channel channel, @Nullable ConsentRequest consent) {
}
