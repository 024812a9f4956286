package dev.subdesk.intake;

/**
 * A valid "Cancel contracts here" request, each text stripped: {@code kind} is {@code ORDINARY} or
 * {@code EXTRAORDINARY} (with a {@code reason}, else it is empty), {@code timing} {@code EARLIEST} or {@code IMMEDIATELY}. The web
 * form checks the fields before it makes one.
 */
public record PublicCancellationRequest(String kind, String reason, String name, String email,
		String orderNumber, String timing, String confirmationEmail) {

	public boolean extraordinary() {
		return "EXTRAORDINARY".equals(kind);
	}

	/** An extraordinary cancellation is always immediate. */
	public boolean immediately() {
		return extraordinary() || "IMMEDIATELY".equals(timing);
	}
}
