package dev.subdesk.webhooks;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code subdesk.webhooks.*}: {@code allow-private} ({@code SUBDESK_WEBHOOKS_ALLOW_PRIVATE}, on in demo mode) lets
 * endpoints use {@code http://} and loopback, private or link-local addresses; {@code per-endpoint} bounds the
 * attempts one node makes to one endpoint at once (each endpoint's window starts at 16, opens by one with each success
 * answered within half a second, up to this bound, and halves with each failure), so a slow receiver holds back only
 * itself; {@code interval} is
 * how often an idle dispatcher looks for work; {@code batch} how many events or attempts one claim takes;
 * {@code enabled=false} stops this node's dispatcher (the API still records deliveries for other nodes);
 * {@code timeout} is how long a receiver has to answer, {@code lease} how long a claimed attempt stays with the node
 * that claimed it (longer than the timeout: after a node dies, its attempts are made again once their lease lapses),
 * in real time on the database's clock, whatever the test clock does.
 */
@ConfigurationProperties("subdesk.webhooks")
record WebhookProperties(@DefaultValue("false") boolean allowPrivate, @DefaultValue("true") boolean enabled,
		@DefaultValue("512") int perEndpoint, @DefaultValue("PT0.2S") Duration interval, @DefaultValue("1000") int batch,
		@DefaultValue("PT10S") Duration timeout, @DefaultValue("PT2M") Duration lease) {

	WebhookProperties {
		if (lease.compareTo(timeout.plusSeconds(1)) <= 0) {
			throw new IllegalArgumentException("subdesk.webhooks.lease must be longer than subdesk.webhooks.timeout");
		}
	}
}
