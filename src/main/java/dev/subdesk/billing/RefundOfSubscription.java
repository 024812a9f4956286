package dev.subdesk.billing;

/**
 * The resource of a {@code refund.issued} change: the refund with the subscription and account of its charge, which
 * are the event's subject and account, so that recording the event does not read the charge again.
 */
public record RefundOfSubscription(Refund refund, String subscriptionId, String accountId) {
}
