package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.webhooks.Delivery;
import dev.subdesk.webhooks.WebhookEndpoint;
import dev.subdesk.webhooks.WebhookEndpoints;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/** The ADMINs' webhooks page: endpoints, their failing deliveries, and a retry; nobody else may open it. */
class ConsoleWebhooksIntegrationTests extends ApiIntegrationTest {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	TestClock clock;

	@Test
	void anAdminSeesAFailingDeliveryOfAnEndpointAndSendsItAgain() {
		// nothing listens on port 9 (discard): every attempt fails to connect
		String endpoint = endpoints.create("http://127.0.0.1:9/hook", List.of("*"), "unreachable CRM").endpoint().id();
		try {
			String subject = "sub_console" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
			transactions.executeWithoutResult(tx -> events.append(EventType.SUBSCRIPTION_CANCELLED, subject, null,
					Map.of("id", subject)));
			await().atMost(Duration.ofSeconds(20)).until(() -> failing(endpoint) != null);
			Delivery delivery = failing(endpoint);

			ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
			ConsoleClient.Page page = admin.get("/console/webhooks");
			assertThat(page.status()).isEqualTo(200);
			assertThat(page.body()).contains("http://127.0.0.1:9/hook")
				.contains("unreachable CRM")
				.contains(delivery.id())
				.contains("subscription.cancelled")
				.contains("could not connect")
				.contains("Retry " + delivery.id());

			String after = admin.followed(admin.post(
					"/console/webhooks/" + endpoint + "/deliveries/" + delivery.id() + "/retry", Map.of()));
			assertThat(after).contains("Delivery " + delivery.id() + " is being sent again.");
			await().atMost(Duration.ofSeconds(20))
				.until(() -> endpoints.delivery(endpoint, delivery.id()).attempts() > delivery.attempts());

			assertThat(admin.followed(admin.post("/console/webhooks/" + endpoint + "/deliveries/wd_unknown/retry",
					Map.of()))).contains("does not exist");
		}
		finally {
			endpoints.delete(endpoint);
		}
	}

	@Test
	void aRetryToADisabledEndpointIsSentOnceAndTheEndpointStaysDisabled() {
		String endpoint = endpoints.create("http://127.0.0.1:9/hook", List.of("*"), "switched-off CRM").endpoint().id();
		try {
			String subject = "sub_console" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
			transactions.executeWithoutResult(tx -> events.append(EventType.SUBSCRIPTION_CANCELLED, subject, null,
					Map.of("id", subject)));
			await().atMost(Duration.ofSeconds(20)).until(() -> failing(endpoint) != null);
			endpoints.update(endpoint, null, null, WebhookEndpoint.Status.DISABLED);
			Delivery delivery = failing(endpoint);

			ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
			ConsoleClient.Page answer = admin.post(
					"/console/webhooks/" + endpoint + "/deliveries/" + delivery.id() + "/retry", Map.of());
			assertThat(answer.status()).as("back to the page").isEqualTo(302);
			assertThat(admin.followed(answer)).contains("Delivery " + delivery.id() + " is being sent again.");
			// recorded: back on the retry schedule (sent once the endpoint is enabled), its next attempt after the
			// retry's (made "now")
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				Delivery now = endpoints.delivery(endpoint, delivery.id());
				return now.attempts() == delivery.attempts() + 1 && (now.status() == Delivery.Status.FAILED
						|| now.nextAttemptAt() != null && now.nextAttemptAt().isAfter(clock.instant()));
			});
			Delivery after = endpoints.delivery(endpoint, delivery.id());
			assertThat(after.attempts()).as("sent once").isEqualTo(delivery.attempts() + 1);
			assertThat(after.status()).as(after.toString()).isEqualTo(Delivery.Status.PENDING);
			assertThat(endpoints.get(endpoint).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);
		}
		finally {
			endpoints.delete(endpoint);
		}
	}

	@Test
	void anAgentOrASupervisorMayNeitherOpenTheWebhooksPageNorRetry() {
		for (String user : List.of("agent", "supervisor")) {
			ConsoleClient staff = ConsoleClient.signedIn(port, user);
			assertThat(staff.get("/console/webhooks").status()).as(user).isEqualTo(403);
			assertThat(staff.post("/console/webhooks/we_x/deliveries/wd_x/retry", Map.of()).status()).as(user)
				.isEqualTo(403);
			assertThat(staff.get("/console").body()).doesNotContain("/console/webhooks");
		}
	}

	private Delivery failing(String endpoint) {
		return endpoints.failing(endpoint, 5).stream().filter(d -> d.lastError() != null).findFirst().orElse(null);
	}
}
