package dev.subdesk.checkout;

import org.jspecify.annotations.Nullable;

/** A purchase's consent: the disclosure the buyer agreed to, how, where, and optionally from which client. */
public record ConsentRequest(String disclosureId, ConsentMethod method, ConsentChannel channel,
		@Nullable String ipAddress, @Nullable String userAgent) {
}
