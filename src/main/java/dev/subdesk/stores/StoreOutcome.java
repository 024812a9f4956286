package dev.subdesk.stores;

import org.jspecify.annotations.Nullable;

/**
 * What Subdesk did with a store notification: {@code APPLIED}, {@code DUPLICATE} (its id was seen before),
 * {@code STALE} (older than the last one applied to the purchase), {@code UNMATCHED} (no account for its token, or
 * no plan for its product: a support case is open), {@code IGNORED} (a type that changes no subscription).
 */
public record StoreOutcome(String outcome, @Nullable String subscriptionId, @Nullable String caseNumber) {
}
