package dev.subdesk.channels;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The vendor's official channels as configured ({@code subdesk.official-channels.*}).
 *
 * @param phones the support lines, each a number (any spelling libphonenumber reads with {@code defaultCountry};
 *        E.164 is clearest), a label and the countries whose customers it serves (empty: everyone)
 * @param domains the web domains; their subdomains are official too
 * @param emailDomains the domains official emails come from; their subdomains too
 * @param supportEmail the address customers may write to; it must be in one of {@code emailDomains}
 * @param defaultCountry the country a phone number without a country code is read in (ISO 3166 alpha-2)
 */
@ConfigurationProperties("subdesk.official-channels")
record OfficialChannelsProperties(List<PhoneLine> phones, List<String> domains, List<String> emailDomains,
		@Nullable String supportEmail, @DefaultValue("US") String defaultCountry) {

	OfficialChannelsProperties {
		phones = phones == null ? List.of() : List.copyOf(phones);
		domains = domains == null ? List.of() : List.copyOf(domains);
		emailDomains = emailDomains == null ? List.of() : List.copyOf(emailDomains);
	}

	/** One configured support line. */
	record PhoneLine(String number, String label, @Nullable List<String> countries) {
	}
}
