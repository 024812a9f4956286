package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventType;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A claimed attempt stays with its node for the lease in real time, whatever the test clock does: the clock is moved
 * forward in demo and test mode, and its offset lives in the process. Measured on the test clock, a node that claimed
 * while the clock stood a day ahead and then stopped left its claim in the future for a day to a node started again
 * (whose clock starts at real time), and every later event of the subject waited behind it; and moving the clock a day
 * ahead while an attempt was in flight let its lease lapse at once, so the next round sent it a second time. The
 * server's dispatcher is stopped; the test's nodes have a lease of 3 s.
 */
@SubdeskIntegrationTest
class WebhookClaimLeaseOnRealTimeIntegrationTests extends WebhookTestSupport {

	private static final Duration LEASE = Duration.ofSeconds(3);

	@BeforeEach
	void stopTheServersDispatcherForTheTestsNodes() {
		stopTheServersDispatcher();
	}

	/** A node of the test's own on {@code clock}, with a short lease. */
	private Dispatcher node(Clock clock) {
		return ownNode(clock, new WebhookProperties(properties.allowPrivate(), properties.enabled(),
				properties.perEndpoint(), properties.interval(), properties.batch(), Duration.ofSeconds(1), LEASE));
	}

	private String endpoint(Receiver receiver) {
		return register(receiver.url(), List.of("*"), "claim lease").endpoint().id();
	}

	private String append() {
		return append(EventType.SUBSCRIPTION_UPDATED, subject("sub_l")).id();
	}

	private static List<Dispatcher.Claim> of(List<Dispatcher.Claim> claims, String endpoint) {
		return claims.stream().filter(c -> c.endpointId().equals(endpoint)).toList();
	}

	private String claimedUntil(String endpoint) {
		return jdbc.sql("SELECT coalesce(claimed_until::text, 'none') || ' (now ' || clock_timestamp()::text || ')' "
				+ "FROM webhook_delivery WHERE endpoint_id = :id")
			.param("id", endpoint)
			.query(String.class)
			.single();
	}

	/**
	 * A node claimed an attempt while the test clock stood a day ahead, and stopped before sending it; the node started
	 * again reads the clock from real time, not moved. The attempt is made again once the lease has passed in real
	 * time, not a day later.
	 */
	@Test
	void anAttemptClaimedByANodeThatStoppedWhileTheClockStoodADayAheadIsMadeAgainOnceTheRealLeaseHasPassed()
			throws Exception {
		Receiver receiver = receiver();
		String endpoint = endpoint(receiver);
		String event = append();
		Dispatcher restarted = node(clock);
		while (restarted.fanOut() > 0) {
			// fanned out at the clock's time
		}
		Dispatcher stopped = node(Clock.offset(clock, Duration.ofDays(1)));
		assertThat(of(stopped.claim(), endpoint)).as("claimed by the node that then stops").hasSize(1);

		assertThat(of(restarted.claim(), endpoint)).as("within its lease the claim is the stopped node's").isEmpty();
		List<Dispatcher.Claim> again = new ArrayList<>();
		try {
			await("the claim is taken again once the lease has passed in real time")
				.atMost(LEASE.plusSeconds(12))
				.pollInterval(Duration.ofMillis(250))
				.until(() -> {
					again.addAll(of(restarted.claim(), endpoint));
					return !again.isEmpty();
				});
		}
		catch (org.awaitility.core.ConditionTimeoutException e) {
			throw new AssertionError("still claimed: claimed_until " + claimedUntil(endpoint), e);
		}
		assertThat(again.getFirst().attempts()).as("its second attempt").isEqualTo(2);
		restarted.send(again);
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			restarted.recordSuccesses();
			return endpoints.deliveries(endpoint, dev.subdesk.shared.Page.Request.first(10))
				.data()
				.stream()
				.anyMatch(d -> d.eventId().equals(event) && d.status() == Delivery.Status.SUCCEEDED);
		});
		assertThat(receiver.accepted()).extracting(Receiver.Received::id).containsExactly(event);
	}

	/**
	 * Moving the test clock a day ahead while an attempt is in flight does not end its lease: no other round claims
	 * it (and sends it a second time) until the lease has passed in real time.
	 */
	@Test
	void movingTheClockADayAheadDuringAClaimDoesNotLetAnotherRoundClaimItAgain() throws Exception {
		Receiver receiver = receiver();
		String endpoint = endpoint(receiver);
		append();
		Dispatcher first = node(clock);
		while (first.fanOut() > 0) {
			// fanned out at the clock's time
		}
		assertThat(of(first.claim(), endpoint)).as("in flight on the first node").hasSize(1);

		clock.moveTo(clock.instant().plus(Duration.ofDays(1)));

		Dispatcher second = node(clock);
		assertThat(of(second.claim(), endpoint)).as("claimed again while its lease runs: claimed_until %s",
				claimedUntil(endpoint)).isEmpty();
		assertThat(of(first.claim(), endpoint)).as("nor by the node that has it in flight").isEmpty();
	}
}
