package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.shared.Page;
import dev.subdesk.testing.ModuleTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The webhooks boot with the event log, the sealing key and the clock only: an endpoint made through the module's
 * service is sent the events recorded after it, signed with its secret (checked by the tests' own Standard Webhooks
 * verifier), and its deliveries' log says so.
 */
@ModuleTest(extraIncludes = { "clock", "events", "sealing" })
@TestPropertySource(properties = { "subdesk.webhooks.allow-private=true",
		"subdesk.entitlements.kek=c3ViZGVzay1tb2R1bGUta2VrLTMyLWJ5dGVzLWxvbiE=" })
class WebhooksModuleTests {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Test
	void anEndpointIsSentTheEventsRecordedAfterItSignedWithItsSecret() throws Exception {
		try (Receiver receiver = new Receiver()) {
			var created = endpoints.create(receiver.url(), List.of("device.activated"), "module test");
			transactions.executeWithoutResult(tx -> {
				events.append(EventType.DEVICE_DEACTIVATED, "dev_module", "acct_module", Map.of("id", "dev_module"));
				events.append(EventType.DEVICE_ACTIVATED, "dev_module", "acct_module", Map.of("id", "dev_module"));
			});

			await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.accepted().isEmpty());
			assertThat(receiver.accepted()).hasSize(1);
			Receiver.Received delivery = receiver.accepted().get(0);
			assertThat(delivery.json().path("type").asString()).isEqualTo("device.activated");
			assertThat(delivery.json().path("subjectId").asString()).isEqualTo("dev_module");
			assertThat(delivery.json().path("sequence").asLong()).isEqualTo(2);
			assertThat(StandardWebhooksVerifier.verifies(created.secret(), delivery.id(), delivery.timestamp(),
					delivery.body(), delivery.signature()))
				.isTrue();

			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
					endpoints.deliveries(created.endpoint().id(), Page.Request.first(10)).data())
				.singleElement()
				.satisfies(d -> {
					assertThat(d.eventType()).isEqualTo("device.activated");
					assertThat(d.status()).isEqualTo(Delivery.Status.SUCCEEDED);
				}));
		}
	}
}
