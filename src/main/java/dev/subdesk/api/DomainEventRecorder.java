package dev.subdesk.api;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.RefundOfSubscription;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.NewEvent;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionAsShown;
import dev.subdesk.support.SupportCase;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Turns the modules' {@link DomainChange}s into stored events: {@code data} is the resource in the API's own shape
 * ({@link Views}; a subscription as the API answers it at that moment, its {@code price} what the next renewal will
 * cost: {@link SubscriptionViews}, or the price its module worked out with it: {@link SubscriptionAsShown}), the
 * subject as API.md says (a charge, a refund and a seat device belong to their subscription, a
 * device without one to its account, a case is its number). A synchronous listener, so the event is appended in the
 * transaction of the change (EventLog.append refuses to run outside one). Lives at the edge because only the edge
 * knows the API's shapes; see docs/DESIGN-NOTES.md.
 */
@Component
class DomainEventRecorder {

	private final EventLog log;
	private final Accounts accounts;
	private final SubscriptionViews subscriptionViews;

	DomainEventRecorder(EventLog log, Accounts accounts, SubscriptionViews subscriptionViews) {
		this.log = log;
		this.accounts = accounts;
		this.subscriptionViews = subscriptionViews;
	}

	@EventListener
	void on(DomainChange change) {
		NewEvent event = event(change, views(List.of(change)));
		log.append(event.type(), event.subjectId(), event.accountId(), event.data());
	}

	@EventListener
	void on(DomainChange.Batch batch) {
		Map<Subscription, Views.SubscriptionView> views = views(batch.changes());
		log.appendAll(batch.changes().stream().map(change -> event(change, views)).toList());
	}

	/**
	 * The subscriptions among these changes as the API answers them at this moment ({@link SubscriptionViews}: its
	 * {@code price} is what the next renewal will cost), all at once: one query for a renewal batch's, three when some
	 * of them has a pending price change; none without subscriptions.
	 */
	private Map<Subscription, Views.SubscriptionView> views(List<DomainChange> changes) {
		List<Subscription> subscriptions = changes.stream()
			.map(DomainChange::resource)
			.filter(Subscription.class::isInstance)
			.map(Subscription.class::cast)
			.toList();
		Map<Subscription, Views.SubscriptionView> out = new IdentityHashMap<>();
		if (subscriptions.isEmpty()) {
			return out;
		}
		List<Views.SubscriptionView> views = subscriptionViews.of(subscriptions);
		for (int i = 0; i < subscriptions.size(); i++) {
			out.put(subscriptions.get(i), views.get(i));
		}
		return out;
	}

	private NewEvent event(DomainChange change, Map<Subscription, Views.SubscriptionView> views) {
		return switch (change.resource()) {
			case Account a -> new NewEvent(change.type(), a.id(), a.id(), Views.AccountView.of(a));
			case Subscription s -> new NewEvent(change.type(), s.id(), s.accountId(), views.get(s));
			case SubscriptionAsShown shown -> new NewEvent(change.type(), shown.subscription().id(),
					shown.subscription().accountId(), Views.SubscriptionView.of(shown.subscription(), shown.price()));
			case Charge c -> new NewEvent(change.type(), c.subscriptionId(), c.accountId(), Views.ChargeView.of(c));
			case RefundOfSubscription r -> new NewEvent(change.type(), r.subscriptionId(), r.accountId(),
					CancellationViews.RefundView.of(r.refund()));
			case Device d -> new NewEvent(change.type(), d.subscriptionId() != null ? d.subscriptionId() : d.accountId(),
					d.accountId(), Views.DeviceView.of(d));
			case SupportCase c -> new NewEvent(change.type(), c.caseNumber(), c.accountId(), Views.CaseView.of(c));
			default -> throw new IllegalArgumentException("No event shape for " + change.resource().getClass());
		};
	}

	/**
	 * Closure erases the person in the stored events too, in the closing transaction: the name and email in the
	 * account's events become the erased account's, a device's name becomes {@link Devices#ERASED_NAME}.
	 */
	@EventListener
	void on(AccountClosed closed) {
		Account erased = accounts.get(closed.accountId());
		log.overwrite(closed.accountId(), "account.", Map.of("name", erased.name(), "email", erased.email()));
		log.overwrite(closed.accountId(), "device.", Map.of("name", Devices.ERASED_NAME));
	}
}
