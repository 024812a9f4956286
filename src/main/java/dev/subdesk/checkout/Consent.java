package dev.subdesk.checkout;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The record of a buyer's express consent to a subscription: the exact text shown and its SHA-256, the method, the
 * time and the channel. Kept after the account closes; the client address and user agent are erased then.
 * {@code controlWords}: the words of the controls the buyer ticked and clicked, one line each in the order shown
 * (R-US-2, "the wording": {@link Disclosures.ConsentWords#recorded}), where this server showed them (the hosted
 * checkout); null where the vendor's own page or an agent did (the API). The server's own words, kept with the record.
 */
public record Consent(String id, String subscriptionId, String accountId, String disclosureId, String text,
		String textSha256, ConsentMethod method, ConsentChannel channel, Instant acceptedAt, @Nullable String ipAddress,
		@Nullable String userAgent, @Nullable String controlWords, long seq) {
}
