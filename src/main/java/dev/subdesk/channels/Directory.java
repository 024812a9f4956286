package dev.subdesk.channels;

import java.util.List;
import java.util.Optional;

/**
 * The official channels, normalised: phone numbers in E.164, domains in lower-case ASCII (punycode).
 *
 * @param phones the support lines
 * @param domains the web domains (their subdomains are official too)
 * @param emailDomains the domains official emails come from (their subdomains too)
 * @param supportEmail the address customers may write to, if one is configured
 */
public record Directory(List<Phone> phones, List<String> domains, List<String> emailDomains,
		Optional<String> supportEmail) {

	public Directory {
		phones = List.copyOf(phones);
		domains = List.copyOf(domains);
		emailDomains = List.copyOf(emailDomains);
	}

	/**
	 * A support line.
	 *
	 * @param number E.164, {@code +12025550142}
	 * @param international the same for people to read, {@code +1 202-555-0142}
	 * @param label what the vendor calls it
	 * @param countries the countries (ISO 3166 alpha-2) whose customers it serves; empty for everyone
	 */
	public record Phone(String number, String international, String label, List<String> countries) {

		public Phone {
			countries = List.copyOf(countries);
		}
	}
}
