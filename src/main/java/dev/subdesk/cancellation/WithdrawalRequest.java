package dev.subdesk.cancellation;

/** What a withdrawal asks for, and nothing more (R-EU-5): the customer's name and the email for the acknowledgement. */
public record WithdrawalRequest(String name, String email, CancellationChannel channel, String actor) {
}
