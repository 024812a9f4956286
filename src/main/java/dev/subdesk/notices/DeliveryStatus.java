package dev.subdesk.notices;

/** Where a notice is on its way to the customer's mailbox (shared/API.md, "Notices"). */
public enum DeliveryStatus {
	/** Stored only: no mail server was configured when it was written (or its address had been erased). */
	STORED,
	/** Queued for the mail server, being sent, or waiting for its next attempt after a transient failure. */
	PENDING,
	/** The mail server took it. */
	SENT,
	/** Refused for good by the mail server, or still failing after the retries; {@code deliveryError} says why. */
	FAILED
}
