package dev.subdesk.payments;

/** What the gateway tells about a tokenized card: never the number itself. */
public record CardDetails(String brand, String last4, int expMonth, int expYear) {
}
