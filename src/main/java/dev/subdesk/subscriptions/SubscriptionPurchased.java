package dev.subdesk.subscriptions;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.catalog.Plan;
import dev.subdesk.shared.Money;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A subscription was bought at {@code at} (the conclusion of the contract), in the transaction that records it; its
 * ORDER_CONFIRMATION is due. {@code trial}: it starts in a free trial that ends at {@code periodEnd}, else
 * {@code periodEnd} ends its first paid period; {@code method}: the card charged, none when a store bills it or
 * nothing was charged; {@code parent}: the base subscription of an add-on. {@code trialEndingNow}: its trial ends
 * sooner than the TRIAL_ENDING reminder's lead (an add-on on a base whose trial ends soon), so its reminder, which its
 * disclosure said is sent today, goes out with the purchase (marked sent: the renewal engine does not send it again).
 */
public record SubscriptionPurchased(String subscriptionId, String orderNumber, Account account, Plan plan,
		Channel channel, Money price, boolean trial, Instant periodEnd, @Nullable PaymentMethod method,
		@Nullable Subscription parent, Instant at, boolean trialEndingNow) {
}
