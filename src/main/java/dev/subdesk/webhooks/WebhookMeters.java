package dev.subdesk.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * {@code subdesk_webhook_deliveries_total{outcome}}: attempts this node made, by outcome: {@code succeeded} (a 2xx
 * within the timeout), {@code retrying} (failed, tried again later) and {@code failed} (failed for good after 3
 * days). Only outcomes that were recorded count: one discarded because a manual retry took its delivery over while
 * the attempt was in flight (or its lease lapsed) is not.
 */
@Component
class WebhookMeters {

	private final Counter succeeded;
	private final Counter retrying;
	private final Counter failed;

	WebhookMeters(MeterRegistry registry) {
		this.succeeded = counter(registry, "succeeded");
		this.retrying = counter(registry, "retrying");
		this.failed = counter(registry, "failed");
	}

	private static Counter counter(MeterRegistry registry, String outcome) {
		return Counter.builder("subdesk.webhook.deliveries")
			.description("Webhook delivery attempts by outcome")
			.tag("outcome", outcome)
			.register(registry);
	}

	void succeeded(int attempts) {
		succeeded.increment(attempts);
	}

	void retrying() {
		retrying.increment();
	}

	void failed() {
		failed.increment();
	}
}
