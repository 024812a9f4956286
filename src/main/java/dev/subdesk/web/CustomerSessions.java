package dev.subdesk.web;

import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.EmailChanged;
import jakarta.servlet.http.HttpSession;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * A customer's portal sessions end when the account's email changes (an agent changes it, after a step-up): whoever
 * signed in through the old mailbox, often the reason for the change, is signed out everywhere, as a code asked for
 * with the old address no longer signs in ({@code SignInCodes}). They end too when the account closes, but for the
 * session of the request that closed it, which signs itself out and shows the confirmation numbers. After the change
 * commits; a change rolled back ends nothing.
 */
@Component
class CustomerSessions {

	private final FindByIndexNameSessionRepository<?> sessions;

	CustomerSessions(FindByIndexNameSessionRepository<?> sessions) {
		this.sessions = sessions;
	}

	// Plain listeners that wait for the commit themselves: a transactional listener would have Spring Modulith store
	// the event with its publications, and EmailChanged holds two addresses.
	@EventListener
	void on(EmailChanged changed) {
		afterCommit(() -> end(changed.accountId(), null));
	}

	@EventListener
	void on(AccountClosed closed) {
		String kept = currentSessionId();
		afterCommit(() -> end(closed.accountId(), kept));
	}

	private static void afterCommit(Runnable work) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			work.run();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			@Override
			public void afterCommit() {
				work.run();
			}
		});
	}

	/** Ends the account's sessions but {@code kept} (a portal session's principal is the account's id). */
	private void end(String accountId, @Nullable String kept) {
		sessions.findByPrincipalName(accountId).keySet().stream().filter(id -> !id.equals(kept))
			.forEach(sessions::deleteById);
	}

	private static @Nullable String currentSessionId() {
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request) {
			HttpSession session = request.getRequest().getSession(false);
			return session == null ? null : session.getId();
		}
		return null;
	}
}
