package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The bounds of the requests waiting for their key on one node, and what wakes them without the database: the
 * request of this node that held the key ending, and the node's stop. (The database's side, a key settled on another
 * node, is {@code IdempotencyWaitIntegrationTests}'.)
 */
class AnswerWaitsTests {

	/** Never asked: the timer that asks the database runs from {@link AnswerWaits#start} on, which these tests skip. */
	private final AnswerWaits waits = new AnswerWaits(JdbcClient.create(new DriverManagerDataSource()));

	@Test
	void aKeyReleasedOnThisNodeWakesItsWaitersAtOnceAndOnlyOnce() {
		AtomicInteger woken = new AtomicInteger();
		waits.running("scope", "k");
		waits.waitFor("scope", "k", woken::incrementAndGet).orElseThrow();
		waits.waitFor("scope", "k", woken::incrementAndGet).orElseThrow();
		AnswerWaits.Waiting gone = waits.waitFor("scope", "k", woken::incrementAndGet).orElseThrow();
		gone.cancel();
		waits.waitFor("scope", "other", woken::incrementAndGet).orElseThrow();

		waits.finished("scope", "k");
		waits.finished("scope", "k");

		assertThat(woken).as("the two still waiting for k, once each").hasValue(2);
		assertThat(waits.waiting()).as("the one waiting for another key still waits").isEqualTo(1);
	}

	@Test
	void moreWaitersThanOneKeyTakesAreRefusedAndACancelledOneMakesRoom() {
		List<AnswerWaits.Waiting> kept = new ArrayList<>();
		for (int i = 0; i < AnswerWaits.MOST_WAITING_PER_KEY; i++) {
			kept.add(waits.waitFor("scope", "stuck", () -> { }).orElseThrow());
		}
		assertThat(waits.waitFor("scope", "stuck", () -> { })).isEmpty();
		assertThat(waits.waitFor("scope", "another", () -> { })).as("another key waits").isPresent();

		kept.get(0).cancel();
		assertThat(waits.waitFor("scope", "stuck", () -> { })).isPresent();
	}

	@Test
	void moreWaitersThanTheNodeTakesAreRefused() {
		for (int i = 0; i < AnswerWaits.MOST_WAITING; i++) {
			assertThat(waits.waitFor("scope", "key-" + i, () -> { })).isPresent();
		}
		assertThat(waits.waitFor("scope", "one-more", () -> { })).isEmpty();
		assertThat(waits.waiting()).isEqualTo(AnswerWaits.MOST_WAITING);
	}

	@Test
	void aStoppingNodeAnswersThoseWaitingForAnotherNodeAndKeepsThoseWaitingForItsOwnRequest() {
		AtomicInteger elsewhere = new AtomicInteger();
		AtomicInteger here = new AtomicInteger();
		waits.running("scope", "held-here");
		waits.waitFor("scope", "held-elsewhere", elsewhere::incrementAndGet).orElseThrow();
		waits.waitFor("scope", "held-here", here::incrementAndGet).orElseThrow();

		waits.stop();

		assertThat(elsewhere).as("dispatched, to be answered before the server stops").hasValue(1);
		assertThat(here).as("its request's answer is coming: the graceful shutdown lets it end").hasValue(0);
		assertThat(waits.stopping()).isTrue();
		Optional<AnswerWaits.Waiting> late = waits.waitFor("scope", "held-elsewhere", () -> { });
		assertThat(late).as("a stopping node keeps no request waiting for another node").isEmpty();
		assertThat(waits.waitFor("scope", "held-here", () -> { })).isPresent();

		waits.finished("scope", "held-here");
		assertThat(here).hasValue(1);
	}
}
