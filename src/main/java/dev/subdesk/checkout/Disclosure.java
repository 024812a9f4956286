package dev.subdesk.checkout;

import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The exact words a buyer is shown before agreeing to a subscription, with what they state as data.
 * {@code separateConsentCheckbox}: the buyer's jurisdiction asks for a separate, unticked checkbox for the consent.
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
