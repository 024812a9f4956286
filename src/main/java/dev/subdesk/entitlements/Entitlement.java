package dev.subdesk.entitlements;

import java.time.Instant;

/**
 * One product the customer may use now, through one subscription: until {@code until} (the end of what is paid for,
 * the effective time of a scheduled cancellation, or for a PAST_DUE subscription its last dunning retry), with the
 * subscription's seats and how many of them ACTIVE devices take.
 */
public record Entitlement(String product, String subscriptionId, Instant until, int deviceLimit, long devicesInUse) {
}
