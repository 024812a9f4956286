package dev.subdesk.cancellation;

/**
 * What a withdrawal asks for, and nothing more (R-EU-5): the customer's name and the email for the acknowledgement.
 * {@code signedIn} is false for the public form, which anyone can send: its acknowledgement then goes to the
 * account's own email and repeats nothing typed (DESIGN invariant 13).
 */
public record WithdrawalRequest(String name, String email, CancellationChannel channel, String actor, boolean signedIn) {

	/** A request from someone signed in (a portal customer, an agent, the API's caller). */
	public WithdrawalRequest(String name, String email, CancellationChannel channel, String actor) {
		this(name, email, channel, actor, true);
	}

	/** A request from the public form, sent without signing in. */
	public static WithdrawalRequest notSignedIn(String name, String email, CancellationChannel channel, String actor) {
		return new WithdrawalRequest(name, email, channel, actor, false);
	}
}
