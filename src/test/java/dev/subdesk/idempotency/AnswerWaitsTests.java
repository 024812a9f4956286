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
		waits.running("scope", "k", "first");
		waits.waitFor("scope", "k", 0, woken::incrementAndGet).orElseThrow();
		waits.waitFor("scope", "k", 0, woken::incrementAndGet).orElseThrow();
		AnswerWaits.Waiting gone = waits.waitFor("scope", "k", 0, woken::incrementAndGet).orElseThrow();
		gone.cancel();
		waits.waitFor("scope", "other", 0, woken::incrementAndGet).orElseThrow();

		waits.finished("scope", "k", "first");
		waits.finished("scope", "k", "first");

		assertThat(woken).as("the two still waiting for k, once each").hasValue(2);
		assertThat(waits.waiting()).as("the one waiting for another key still waits").isEqualTo(1);
	}

	@Test
	void moreWaitersThanOneKeyTakesAreRefusedAndACancelledOneMakesRoom() {
		List<AnswerWaits.Waiting> kept = new ArrayList<>();
		for (int i = 0; i < AnswerWaits.MOST_WAITING_PER_KEY; i++) {
			kept.add(waits.waitFor("scope", "stuck", 0, () -> { }).orElseThrow());
		}
		assertThat(waits.waitFor("scope", "stuck", 0, () -> { })).isEmpty();
		assertThat(waits.waitFor("scope", "another", 0, () -> { })).as("another key waits").isPresent();

		kept.get(0).cancel();
		assertThat(waits.waitFor("scope", "stuck", 0, () -> { })).isPresent();
	}

	@Test
	void moreWaitersThanTheNodeTakesAreRefused() {
		for (int i = 0; i < AnswerWaits.MOST_WAITING; i++) {
			assertThat(waits.waitFor("scope", "key-" + i, 0, () -> { })).isPresent();
		}
		assertThat(waits.waitFor("scope", "one-more", 0, () -> { })).isEmpty();
		assertThat(waits.waiting()).isEqualTo(AnswerWaits.MOST_WAITING);
	}

	@Test
	void bodiesBeyondTheNodesByteBudgetAreRefusedWhateverTheirNumber() {
		long mebibyte = 1024 * 1024;
		List<AnswerWaits.Waiting> kept = new ArrayList<>();
		for (long held = 0; held + mebibyte <= AnswerWaits.MOST_WAITING_BYTES; held += mebibyte) {
			kept.add(waits.waitFor("scope", "large-" + held, mebibyte, () -> { }).orElseThrow());
		}
		assertThat(waits.waitingBytes()).isEqualTo(AnswerWaits.MOST_WAITING_BYTES);
		assertThat(waits.waitFor("scope", "one-more", 1, () -> { })).isEmpty();
		assertThat(waits.waitFor("scope", "no-body", 0, () -> { })).as("a request without a body keeps nothing")
			.isPresent();

		kept.get(0).cancel();
		waits.running("scope", "large-" + mebibyte, "first");
		waits.finished("scope", "large-" + mebibyte, "first");
		assertThat(waits.waitingBytes()).as("a cancelled waiter and a woken one give their bytes back")
			.isEqualTo(AnswerWaits.MOST_WAITING_BYTES - 2 * mebibyte);
		assertThat(waits.waitFor("scope", "one-more", 2 * mebibyte, () -> { })).isPresent();
	}

	@Test
	void theEndOfOneRequestHoldingAKeyHereLeavesAnotherThatTookItOverHolding() {
		AtomicInteger woken = new AtomicInteger();
		waits.running("scope", "k", "crashed-and-back");
		waits.running("scope", "k", "took-it-over");
		waits.finished("scope", "k", "crashed-and-back");
		waits.finished("scope", "k", "crashed-and-back");
		waits.stop();

		assertThat(waits.waitFor("scope", "k", 0, woken::incrementAndGet))
			.as("the key is still held here: a stopping node keeps its waiter").isPresent();
		waits.finished("scope", "k", "took-it-over");
		assertThat(woken).hasValue(1);
	}

	@Test
	void aStoppingNodeAnswersThoseWaitingForAnotherNodeAndKeepsThoseWaitingForItsOwnRequest() {
		AtomicInteger elsewhere = new AtomicInteger();
		AtomicInteger here = new AtomicInteger();
		waits.running("scope", "held-here", "here");
		waits.waitFor("scope", "held-elsewhere", 0, elsewhere::incrementAndGet).orElseThrow();
		waits.waitFor("scope", "held-here", 0, here::incrementAndGet).orElseThrow();

		waits.stop();

		assertThat(elsewhere).as("dispatched, to be answered before the server stops").hasValue(1);
		assertThat(here).as("its request's answer is coming: the graceful shutdown lets it end").hasValue(0);
		assertThat(waits.stopping()).isTrue();
		Optional<AnswerWaits.Waiting> late = waits.waitFor("scope", "held-elsewhere", 0, () -> { });
		assertThat(late).as("a stopping node keeps no request waiting for another node").isEmpty();
		assertThat(waits.waitFor("scope", "held-here", 0, () -> { })).isPresent();

		waits.finished("scope", "held-here", "here");
		assertThat(here).hasValue(1);
	}
}
