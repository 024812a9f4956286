package dev.subdesk.renewals;

import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.subscriptions.Subscription;
import java.time.Clock;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * A RENEWAL_REMINDER that could not go out in time because auto-renewal was off goes out at once when it is turned
 * back on (shared/API.md, Renewals), in the same transaction, not at the next run of the jobs; so does the notice of a
 * promotion's end (R-CA-6, RenewalEngine#sendPromotionEndingNotices).
 */
@Component
class LateReminders {

	private final RenewalEngine engine;
	private final Clock clock;

	LateReminders(RenewalEngine engine, Clock clock) {
		this.engine = engine;
		this.clock = clock;
	}

	@EventListener
	void on(DomainChange change) {
		if (change.type() == EventType.SUBSCRIPTION_RESUMED && change.resource() instanceof Subscription resumed) {
			engine.sendReminderIfLate(resumed.id(), clock.instant());
			// the notice of a promotion's end too (R-CA-6), should its time have passed while auto-renewal was off
			engine.sendPromotionEndingNoticeIfLate(resumed.id(), clock.instant());
		}
	}
}
