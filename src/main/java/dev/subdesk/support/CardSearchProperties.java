package dev.subdesk.support;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code subdesk.console.card-searches.*}: {@code per-hour} ({@code SUBDESK_CONSOLE_CARD_SEARCHES_PER_HOUR}, default
 * 30, at least 1) is how many account searches by a name and a card's last four digits one agent may run in any hour
 * ({@link CardSearches}).
 */
@ConfigurationProperties("subdesk.console.card-searches")
record CardSearchProperties(@DefaultValue("30") int perHour) {

	CardSearchProperties {
		if (perHour < 1) {
			throw new IllegalArgumentException(
					"subdesk.console.card-searches.per-hour must be at least 1 (it is " + perHour + ")");
		}
	}
}
