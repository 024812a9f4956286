package dev.subdesk.notices;

/** The kinds of notice, one per event (shared/API.md, "Notices"). */
public enum NoticeType {
	WELCOME, ORDER_CONFIRMATION, CANCELLATION_CONFIRMATION, REFUND_ISSUED, RENEWAL_REMINDER, RENEWAL_RECEIPT,
	PAYMENT_FAILED, SUBSCRIPTION_EXPIRED, CASE_UPDATE,
	/** A one-time code to sign in to the customer portal. */
	SIGN_IN_CODE,
	/** What was sent through the public cancellation form, with the time of receipt (R-DE-5). */
	CANCELLATION_REQUEST_RECEIVED,
	/** A withdrawal from a contract (EU, R-EU-7), with its content and the time of receipt; not a cancellation. */
	WITHDRAWAL_ACKNOWLEDGEMENT,
	/** A one-time code the caller reads back to a support agent before a sensitive action on the account. */
	VERIFICATION_CODE,
	/** The account's email address was changed; sent to the previous address. */
	EMAIL_CHANGED,
	/**
	 * A yearly renewal will be charged in 7 days (R-CARD-3), beside the RENEWAL_REMINDER 30 days ahead; only while
	 * {@code subdesk.compliance.pre-billing-notice} is on.
	 */
	UPCOMING_CHARGE,
	/**
	 * A free trial ends and its first charge comes, with a direct cancel link; as many days ahead as the strictest
	 * rule of the rule table asks (R-CARD-1/2: at least 7 days before the first charge; R-CA-6).
	 */
	TRIAL_ENDING,
	/**
	 * A plan's new price applies to this subscription from a renewal on: the old and new price, the date, and how to
	 * cancel before it (R-CA-8, R-NY-2) or, where the customer's consent is required, that the subscription ends at
	 * the term's end unless they accept in the portal. Sent once per subscription and price change, the rule table's
	 * days before that renewal.
	 */
	PRICE_CHANGE;

	/** A notice carrying a one-time code: its text goes to the customer's mailbox only, never out through the API. */
	public boolean carriesOneTimeCode() {
		return this == SIGN_IN_CODE || this == VERIFICATION_CODE;
	}
}
