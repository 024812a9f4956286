package dev.subdesk.subscriptions;

import dev.subdesk.checkout.BaseTrials;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The trial of a base subscription as the checkout's disclosure of an add-on needs it ({@link BaseTrials}). */
@Component
class SubscriptionBaseTrials implements BaseTrials {

	private final JdbcSubscriptionRepository repository;

	SubscriptionBaseTrials(JdbcSubscriptionRepository repository) {
		this.repository = repository;
	}

	@Override
	@Transactional(readOnly = true)
	public Optional<Instant> trialEnd(String accountId, String subscriptionId) {
		return repository.find(subscriptionId)
			.filter(s -> s.accountId().equals(accountId) && s.status() == Subscription.Status.TRIALING
					&& s.cancelAt() == null)
			.map(Subscription::currentPeriodEnd);
	}

	@Override
	@Transactional(readOnly = true)
	public boolean isOf(String accountId, String subscriptionId) {
		return repository.find(subscriptionId).filter(s -> s.accountId().equals(accountId)).isPresent();
	}
}
