package dev.subdesk.webhooks;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code subdesk.webhooks.*}: {@code allow-private} ({@code SUBDESK_WEBHOOKS_ALLOW_PRIVATE}, on in demo mode) lets
 * endpoints use {@code http://} and loopback, private or link-local addresses; {@code per-endpoint} bounds the
 * attempts one node makes to one endpoint at once, so a slow receiver holds back only itself; {@code interval} is
 * how often an idle dispatcher looks for work; {@code batch} how many events or attempts one claim takes;
 * {@code enabled=false} stops this node's dispatcher (the API still records deliveries for other nodes).
 */
@ConfigurationProperties("subdesk.webhooks")
record WebhookProperties(@DefaultValue("false") boolean allowPrivate, @DefaultValue("true") boolean enabled,
		@DefaultValue("4") int perEndpoint, @DefaultValue("PT0.2S") Duration interval, @DefaultValue("200") int batch,
		@DefaultValue("PT10S") Duration timeout) {
}
