package dev.subdesk.subscriptions;

import org.jspecify.annotations.Nullable;

/** What a buyer asks for: the plan, optionally the card, the parent (for an add-on) and the channel. */
public record PurchaseRequest(String accountId, String planCode, @Nullable String paymentMethodId,
		@Nullable String parentSubscriptionId, Channel channel) {
}
