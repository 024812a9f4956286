package dev.subdesk.jurisdictions;

/**
 * The kinds of notice the rule table schedules ({@code notices[].type} of {@code classpath:jurisdictions/rules.json}):
 * the table must name only these, and each of them at least once.
 */
public enum ScheduledNotice {
	/** At purchase: the terms, the cancellation policy and how to cancel. */
	ORDER_CONFIRMATION,
	/** Before every renewal (R-CA-7, R-CA-9, R-UK-2). */
	RENEWAL_REMINDER,
	/**
	 * Before a yearly renewal is billed, while the switch {@code pre-billing-notice} is on (R-CARD-3); and, without it,
	 * before the renewal that ends a promotional price, for the customers of R-CA-6 (the table's notice marked
	 * {@code promotionEnding}).
	 */
	UPCOMING_CHARGE,
	/** Before a free trial converts into the first charge (R-CARD-1/2, R-CA-6). */
	TRIAL_ENDING,
	/** Before the first renewal at a plan's new price (R-CA-8, R-NY-2). */
	PRICE_CHANGE
}
