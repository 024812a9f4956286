package dev.subdesk.api;

import dev.subdesk.accounts.AccountClosed;
import java.time.Clock;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * How long stored idempotent answers live: 24 hours by the server's clock (the test clock when it is on), then a
 * scheduled purge deletes them; answers that concern an account being closed lose their content at once, in the
 * closing transaction (see {@link IdempotencyStore#eraseAnswersFor}).
 */
@Component
class IdempotencyRetention {

	private final IdempotencyStore store;
	private final Clock clock;
	private final byte[] closedAnswer;

	IdempotencyRetention(IdempotencyStore store, Clock clock, JsonMapper json) {
		this.store = store;
		this.clock = clock;
		this.closedAnswer = json.writeValueAsBytes(Problems.body(409, "ACCOUNT_CLOSED",
				"The account this request concerned is closed and its personal data erased, this stored answer with it; "
						+ "nothing was done again.",
				java.util.List.of()));
	}

	/** Deletes the answers stored more than 24 hours ago; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.idempotency.purge-interval:PT15M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		return store.purgeBefore(clock.instant().minus(IdempotencyFilter.RETENTION));
	}

	/** Idempotent: a second delivery finds nothing left to erase. */
	@EventListener
	@Transactional
	void on(AccountClosed closed) {
		store.eraseAnswersFor(closed.accountId(), closedAnswer);
	}
}
