package dev.subdesk.intake;

import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A request of one of the public forms, received at {@code receivedAt}, named no contract it could act on (no such
 * order number, not with its account's email, or nothing left to cancel or withdraw from): nothing was ended, and
 * the receipt is still confirmed at once (R-DE-5; the acknowledgement of a withdrawal sent with the online form).
 * The confirmation goes to {@code recipient}, typed in the form and so possibly anyone's, under no account: this
 * event carries nothing else that was typed (DESIGN invariant 13), only the choices the form offers. It is the same
 * whether or not an account has the addresses typed, so the email tells no more than the page did; except that a
 * cancellation naming a store-billed contract with its own account's email is told that the store cancels it.
 *
 * @param requestId the saved request's id (not its result page: that page shows what was typed)
 * @param form which form sent it
 * @param language the language the form was filled in, for the confirmation's
 * @param extraordinary a cancellation's kind (false for a withdrawal)
 * @param immediately a cancellation's timing (false for a withdrawal)
 * @param store the store that bills the contract, when a cancellation named a live store-billed contract with its own
 *     account's email (the order number and the email the form cancels with: what a matched request's confirmation
 *     would tell is no secret to its sender), which only the store can cancel; null otherwise
 */
public record PublicRequestUnmatched(String requestId, Form form, String recipient, Instant receivedAt,
		Locale language, boolean extraordinary, boolean immediately, dev.subdesk.subscriptions.@Nullable Channel store) {

	/** A request about no store-billed contract. */
	public PublicRequestUnmatched(String requestId, Form form, String recipient, Instant receivedAt, Locale language,
			boolean extraordinary, boolean immediately) {
		this(requestId, form, recipient, receivedAt, language, extraordinary, immediately, null);
	}

	/** The public forms. */
	public enum Form {
		/** "Cancel contracts here" (§ 312k BGB). */
		CANCELLATION,
		/** "Withdraw from contract here" (R-EU-5). */
		WITHDRAWAL
	}
}
