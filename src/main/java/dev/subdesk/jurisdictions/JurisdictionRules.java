package dev.subdesk.jurisdictions;

import java.util.List;

/**
 * The rules that apply to a customer, resolved from the rule table for their country and region (with the
 * compliance switches applied).
 *
 * @param id the table entry ({@code US-CA}, {@code US-*}, {@code DE}, {@code *})
 * @param consentRequired express consent to automatic renewal must be recorded before a direct purchase (R-US-2)
 * @param separateConsentCheckbox the consent is a separate, unticked checkbox beside the terms (R-CA-1/2)
 * @param retentionOffers whether a save offer may be shown in the cancel flow (R-MN-1)
 * @param withdrawalDays the statutory withdrawal period in days, 0 where there is none (R-EU-1; R-UK-5 behind its switch)
 * @param withdrawalAfterRenewal a new withdrawal period of {@code withdrawalDays} starts with each renewal that
 *        commits for 12 months or more (R-UK-5's renewal cooling-off, behind its switch)
 * @param terminationWithoutNotice an immediate end costs nothing for the time not served (R-DE-6, a switch)
 * @param calendarDates pre-purchase disclosures give the first charge and the cancel-by date as calendar dates (R-MA-1)
 * @param cancelDeadline the deadline to stop the next charge is disclosed before consent (R-NY-1)
 * @param rules the rule ids of shared/COMPLIANCE.md this jurisdiction's customers are served by
 * @param priceIncreaseConsent a price increase of an existing subscription needs the customer's consent: without it
 *        the subscription ends at the term's end (EU consumer contracts; elsewhere a PRICE_CHANGE notice with how
 *        to cancel is enough, R-CA-8, R-NY-2)
 */
public record JurisdictionRules(String id, String name, boolean consentRequired, boolean separateConsentCheckbox,
		OfferRule retentionOffers, int withdrawalDays, boolean withdrawalAfterRenewal, boolean terminationWithoutNotice,
		boolean calendarDates, boolean cancelDeadline, List<String> rules, boolean priceIncreaseConsent) {

	/** Whether and how a retention offer may be made in the cancel flow. */
	public enum OfferRule {
		/** An offer may sit beside a working cancel control (R-CA-5, R-DE-7). */
		ALLOWED,
		/**
		 * Only after the customer agreed to hear offers (R-MN-1). The question is not built yet, so no offer is made
		 * (the strictest reading).
		 */
		ASK_FIRST
	}

	public JurisdictionRules {
		rules = List.copyOf(rules);
	}

	/** Whether the cancel flow may show a save offer to this customer now. */
	public boolean offersAllowed() {
		return retentionOffers == OfferRule.ALLOWED;
	}

	/** Whether this jurisdiction's customers are served by one of these rules (rule ids of shared/COMPLIANCE.md). */
	public boolean servesAnyOf(java.util.Collection<String> ruleIds) {
		return ruleIds.stream().anyMatch(rules::contains);
	}

	/** Whether the customer has a statutory right of withdrawal. */
	public boolean withdrawal() {
		return withdrawalDays > 0;
	}
}
