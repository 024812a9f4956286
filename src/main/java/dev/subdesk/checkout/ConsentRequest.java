package dev.subdesk.checkout;

import org.jspecify.annotations.Nullable;

/**
 * A purchase's consent: the disclosure the buyer agreed to, how, where, optionally from which client, and the words of
 * the controls the buyer ticked and clicked where this server showed them ({@code controlWords}, {@link
 * Disclosures.ConsentWords#recorded}; null when the vendor's own page or an agent showed them, as for the API).
 * The client address is kept as its literal ({@link ClientEvidence#address}: no port, brackets or zone); a blank one
 * is none; text that gives no address is kept as given, for {@link Consents#check} to refuse.
 */
public record ConsentRequest(String disclosureId, ConsentMethod method, ConsentChannel channel,
		@Nullable String ipAddress, @Nullable String userAgent, @Nullable String controlWords) {

	public ConsentRequest {
		if (ipAddress != null) {
			ipAddress = ipAddress.isBlank() ? null : ClientEvidence.address(ipAddress).orElse(ipAddress);
		}
	}
}
