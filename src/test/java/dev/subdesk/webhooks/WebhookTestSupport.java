package dev.subdesk.webhooks;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.events.RecordedEvent;
import dev.subdesk.shared.Page;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the webhook integration tests share: the beans they drive, local receivers and the endpoints registered for
 * them, and dispatcher nodes of the test's own. After each test its own nodes are stopped, its endpoints deleted and
 * its receivers closed, and then the server's dispatcher started again if the test stopped it.
 */
abstract class WebhookTestSupport {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	TestClock clock;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Dispatcher dispatcher;

	@Autowired
	WebhookProperties properties;

	@Autowired
	WebhookMeters meters;

	@Autowired
	SealedSecrets secrets;

	private final List<AutoCloseable> closing = new ArrayList<>();

	private final List<String> made = new ArrayList<>();

	private final List<Dispatcher> nodes = new ArrayList<>();

	private boolean serversDispatcherStopped;

	@AfterEach
	void cleanUpWebhooks() throws Exception {
		try {
			nodes.forEach(Dispatcher::stop);
			made.forEach(id -> endpoints.find(id).ifPresent(e -> endpoints.delete(id)));
			for (AutoCloseable resource : closing.reversed()) {
				resource.close();
			}
		}
		finally {
			if (serversDispatcherStopped) {
				dispatcher.start();
			}
		}
	}

	/** Stops the server's dispatcher for the test (started again after it): the test drives nodes of its own. */
	void stopTheServersDispatcher() {
		dispatcher.stop();
		serversDispatcherStopped = true;
	}

	/** A dispatcher node of the test's own on {@code clock} (stopped after the test). */
	Dispatcher ownNode(Clock clock, WebhookProperties properties) {
		Dispatcher node = new Dispatcher(jdbc, transactions, clock, properties, meters, secrets);
		nodes.add(node);
		return node;
	}

	/** A receiver on a local port, closed after the test. */
	Receiver receiver() throws Exception {
		return closedAfterTheTest(new Receiver());
	}

	/** {@code resource}, closed after the test (the last one given first). */
	<T extends AutoCloseable> T closedAfterTheTest(T resource) {
		closing.add(resource);
		return resource;
	}

	/** An endpoint registered for {@code url}, deleted after the test. */
	WebhookEndpoint.WithSecret register(String url, List<String> types, String description) {
		var created = endpoints.create(url, types, description);
		made.add(created.endpoint().id());
		return created;
	}

	/** A new subject id starting with {@code prefix}. */
	static String subject(String prefix) {
		return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
	}

	/** An event of {@code type} about {@code subject}, recorded in a transaction of its own. */
	RecordedEvent append(EventType type, String subject) {
		return transactions.execute(tx -> events.append(type, subject, null, Map.of("id", subject, "status", "ACTIVE")));
	}

	/** The delivery of the event to the endpoint, as the deliveries log shows it. */
	Delivery deliveryOf(String endpoint, String eventId) {
		return endpoints.deliveries(endpoint, Page.Request.first(100)).data().stream()
			.filter(d -> d.eventId().equals(eventId))
			.findFirst()
			.orElseThrow();
	}
}
