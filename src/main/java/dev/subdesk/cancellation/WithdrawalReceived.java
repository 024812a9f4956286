package dev.subdesk.cancellation;

/**
 * A withdrawal from a contract was received and the contract ended ({@code ended}), in the transaction that publishes
 * this; its acknowledgement is due (R-EU-7). {@code signedIn}: whether the customer sent it signed in; if not, the
 * name and email in {@code withdrawal} were typed by someone who may not be the account holder (invariant 13).
 * {@code accountEmail} and {@code country}: the account holder's.
 */
public record WithdrawalReceived(Withdrawal withdrawal, String planCode, Cancellation ended, boolean signedIn,
		String accountEmail, String country) {
}
