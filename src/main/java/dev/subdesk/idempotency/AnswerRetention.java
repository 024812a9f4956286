package dev.subdesk.idempotency;

import dev.subdesk.accounts.AccountClosed;
import java.time.Clock;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * How long stored idempotent answers live: {@link IdempotentAnswers#RETENTION} by the server's clock (the test clock
 * when it is on), then a scheduled purge deletes them; answers that concern an account being closed lose their
 * content at once, in the closing transaction (see {@link IdempotentAnswers#eraseAnswersFor}).
 */
@Component
class AnswerRetention {

	private final IdempotentAnswers answers;
	private final Clock clock;

	AnswerRetention(IdempotentAnswers answers, Clock clock) {
		this.answers = answers;
		this.clock = clock;
	}

	/** Deletes the answers stored more than 24 hours ago; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.idempotency.purge-interval:PT15M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		return answers.purgeBefore(clock.instant().minus(IdempotentAnswers.RETENTION));
	}

	/** Idempotent: a second delivery finds nothing left to erase. */
	@EventListener
	@Transactional
	void on(AccountClosed closed) {
		answers.eraseAnswersFor(closed.accountId());
	}
}
