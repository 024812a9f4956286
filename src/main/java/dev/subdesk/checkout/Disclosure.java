package dev.subdesk.checkout;

import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The exact words a buyer is shown before agreeing to a subscription, with what they state as data.
 * {@code separateConsentCheckbox}: a page asks for the consent with a separate, unticked checkbox, as the buyer's
 * jurisdiction asks (R-CA-1/2) or, for a free trial that converts into payments, anywhere (R-CARD-1):
 * {@link Disclosures#separateCheckbox}.
 */
public record Disclosure(String id, String accountId, String planCode, @Nullable String parentSubscriptionId,
		String jurisdiction, String text, String textSha256, Money price, Money renewalPrice, String term,
		int trialDays, Instant firstChargeAt, List<String> rules, boolean separateConsentCheckbox, Instant createdAt,
		Instant expiresAt) {

	public Disclosure {
		rules = List.copyOf(rules);
	}

	/** Whether the disclosure can no longer back a consent at {@code now}. */
	public boolean expired(Instant now) {
		return !now.isBefore(expiresAt);
	}
}
