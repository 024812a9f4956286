package dev.subdesk.intake;

import java.time.Instant;
import java.util.Locale;

/**
 * A request of one of the public forms, received at {@code receivedAt}, named no contract it could act on (no such
 * order number, not with its account's email, or nothing left to cancel or withdraw from): nothing was ended, and
 * the receipt is still confirmed at once (R-DE-5; the acknowledgement of a withdrawal sent with the online form).
 * The confirmation goes to {@code recipient}, typed in the form and so possibly anyone's, under no account: this
 * event carries nothing else that was typed (DESIGN invariant 13), only the choices the form offers. It is the same
 * whether or not an account has the addresses typed, so the email tells no more than the page did.
 *
 * @param requestId the saved request's id (not its result page: that page shows what was typed)
 * @param form which form sent it
 * @param language the language the form was filled in, for the confirmation's
 * @param extraordinary a cancellation's kind (false for a withdrawal)
 * @param immediately a cancellation's timing (false for a withdrawal)
 */
public record PublicRequestUnmatched(String requestId, Form form, String recipient, Instant receivedAt,
		Locale language, boolean extraordinary, boolean immediately) {

	/** The public forms. */
	public enum Form {
		/** "Cancel contracts here" (§ 312k BGB). */
		CANCELLATION,
		/** "Withdraw from contract here" (R-EU-5). */
		WITHDRAWAL
	}
}
