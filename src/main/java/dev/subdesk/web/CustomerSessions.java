package dev.subdesk.web;

import dev.subdesk.accounts.EmailChanged;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * A customer's portal sessions end when the account's email changes (an agent changes it, after a step-up): whoever
 * signed in through the old mailbox, often the reason for the change, is signed out everywhere, as a code asked for
 * with the old address no longer signs in ({@code SignInCodes}). After the change commits; a change rolled back ends
 * nothing.
 */
@Component
class CustomerSessions {

	private final FindByIndexNameSessionRepository<?> sessions;

	CustomerSessions(FindByIndexNameSessionRepository<?> sessions) {
		this.sessions = sessions;
	}

	@TransactionalEventListener(fallbackExecution = true)
	void on(EmailChanged changed) {
		// a portal session's principal is the account's id (SignInController)
		sessions.findByPrincipalName(changed.accountId()).keySet().forEach(sessions::deleteById);
	}
}
