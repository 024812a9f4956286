package dev.subdesk.notices;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.Term;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.renewals.RenewalDeclined;
import dev.subdesk.renewals.RenewalsApproaching;
import dev.subdesk.renewals.RenewalsCharged;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.WithdrawalPeriod;
import dev.subdesk.subscriptions.PriceChangeAtRenewal;
import dev.subdesk.subscriptions.PriceChangesRecorded;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionPriceChange;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.subscriptions.SubscriptionPurchased;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The events of the subscriptions module (the ORDER_CONFIRMATION of a purchase, the PRICE_CHANGE notices) and of the
 * renewals module (the RENEWAL_RECEIPTs of a batch of renewals; RENEWAL_REMINDER, UPCOMING_CHARGE and TRIAL_ENDING
 * ahead of a renewal; PAYMENT_FAILED with SUBSCRIPTION_EXPIRED after a declined one). What comes in batches is stored
 * in bulk, with one {@link Notices#sendAll} per batch (the renewal benchmark depends on it).
 */
@Component
class SubscriptionNotices {

	private final Notices notices;

	private final Catalog catalog;

	private final Jurisdictions jurisdictions;

	private final String baseUrl;

	private final Subscriptions subscriptions;

	private final SubscriptionPriceChanges priceChanges;

	SubscriptionNotices(Notices notices, Catalog catalog, Jurisdictions jurisdictions,
			@Value("${subdesk.public-base-url}") String baseUrl, Subscriptions subscriptions,
			SubscriptionPriceChanges priceChanges) {
		this.subscriptions = subscriptions;
		this.priceChanges = priceChanges;
		this.notices = notices;
		this.catalog = catalog;
		this.jurisdictions = jurisdictions;
		this.baseUrl = baseUrl;
	}

	@EventListener
	void on(SubscriptionPurchased purchase) {
		Account account = purchase.account();
		Plan plan = purchase.plan();
		Letter letter = notices.letterFor(account.country());
		String name = catalog.name(plan.code(), letter.locale());
		// what the first renewal (after a trial: the first charge) charges, as the checkout's disclosure stated it and
		// the API's price shows it: a plan's new price that reaches it, where one was scheduled before the purchase
		PriceChangeAtRenewal first = purchase.channel().storeBilled() ? null
				: priceChanges.atNextRenewal(List.of(subscriptions.get(purchase.subscriptionId())))
					.get(purchase.subscriptionId());
		Money renewal = first == null ? purchase.price() : first.charge();
		// a store-billed one's footer tells the store's steps: neither the portal nor the public form can cancel it
		notices.send(letter, purchase.channel(), account.id(), account.email(), NoticeType.ORDER_CONFIRMATION,
				letter.text("order.subject", purchase.orderNumber(), name),
				(purchase.trial() ? trialConfirmation(letter, purchase, name, renewal)
						: orderConfirmation(letter, purchase, name, renewal))
						+ newPriceConsent(letter, first) + withdrawalInformation(letter, purchase),
				purchase.subscriptionId());
		if (purchase.trialEndingNow()) {
			// a trial ending sooner than the reminder's lead: its TRIAL_ENDING goes out now, as its disclosure said
			// ("we send you a reminder today"), after the order confirmation
			Subscription s = subscriptions.get(purchase.subscriptionId());
			notices.sendAll(List.of(ahead(NoticeType.TRIAL_ENDING, "trialEnding", "trialEnding.term",
					new RenewalsApproaching.Approaching(s, new Accounts.Addressee(account.email(), account.country(), account.region()),
							renewal, first != null && first.change().awaitingConsent() ? first : null),
					purchase.at())));
		}
	}

	/**
	 * Where the new price that the first renewal charges needs the customer's consent (an increase in the EU): it
	 * applies only if accepted, else the subscription ends at that renewal (as the disclosure said).
	 */
	private static String newPriceConsent(Letter letter, @Nullable PriceChangeAtRenewal first) {
		if (first == null || !first.change().awaitingConsent()) {
			return "";
		}
		return letter.text("order.newPriceConsent", letter.money(first.change().newPrice()),
				letter.date(first.renewal()));
	}

	private static String orderConfirmation(Letter letter, SubscriptionPurchased purchase, String name, Money renewal) {
		String orderNumber = purchase.orderNumber();
		if (purchase.channel().storeBilled()) {
			return letter.text("order.storeBilled", orderNumber, name, letter.text("store." + purchase.channel().name()));
		}
		Plan plan = purchase.plan();
		PaymentMethod method = purchase.method();
		return letter.text("order.paid", orderNumber, name, letter.money(purchase.price()),
				method == null ? "" : letter.text("order.card", method.brand(), method.last4()),
				letter.text(plan.term() == Term.P1Y ? "order.every.year" : "order.every.month"),
				letter.date(purchase.periodEnd()), String.valueOf(plan.moneyBackDays()), letter.money(renewal));
	}

	/** A trial's confirmation: nothing charged now, when the first charge comes and how to stop it for free. */
	private String trialConfirmation(Letter letter, SubscriptionPurchased purchase, String name, Money renewal) {
		Plan plan = purchase.plan();
		@Nullable Subscription parent = purchase.parent();
		String trial = parent == null ? letter.text("order.trialDays", String.valueOf(plan.trialDays()))
				: letter.text("order.trialWithBase", catalog.name(parent.planCode(), letter.locale()), parent.orderNumber());
		return letter.text("order.trial", purchase.orderNumber(), name, trial, letter.date(purchase.periodEnd()),
				letter.money(renewal),
				letter.text(plan.term() == Term.P1Y ? "order.every.year" : "order.every.month"),
				String.valueOf(plan.moneyBackDays()));
	}

	/**
	 * For a customer in the EU, the right of withdrawal with its last day, on the durable medium at conclusion
	 * (R-EU-1); nothing elsewhere, or when an app store bills the contract (the store informs and refunds).
	 */
	private String withdrawalInformation(Letter letter, SubscriptionPurchased purchase) {
		Account account = purchase.account();
		if (!jurisdictions.forCustomer(account.country(), account.region()).withdrawal()
				|| purchase.channel().storeBilled()) {
			return "";
		}
		return letter.text("order.withdrawal", String.valueOf(WithdrawalPeriod.DAYS),
				letter.date(WithdrawalPeriod.lastDay(purchase.at(), account.country())));
	}

	/** One PRICE_CHANGE per subscriber of the batch, stored together. */
	@EventListener
	void on(PriceChangesRecorded recorded) {
		List<Notices.Draft> drafts = recorded.changes()
			.stream()
			.map(change -> priceChange(change, recorded.at()))
			.toList();
		notices.sendAll(drafts);
	}

	private Notices.Draft priceChange(PriceChangesRecorded.Recorded recorded, Instant at) {
		Subscription s = recorded.subscription();
		SubscriptionPriceChange change = recorded.change();
		Letter letter = notices.letterFor(recorded.to().country());
		String name = catalog.name(s.planCode(), letter.locale());
		Money newPrice = change.newPrice();
		return new Notices.Draft(letter, s.accountId(), recorded.to().email(), NoticeType.PRICE_CHANGE,
				letter.text("priceChange.subject", name, letter.money(newPrice),
						letter.date(recorded.atRenewal().newPriceFrom())),
				priceChangeBody(letter, s, name, recorded.atRenewal()), s.id(), at);
	}

	/**
	 * The words of a price change: the old and new price, what the renewal it applies at charges (the new price, or a
	 * lower discount accepted for that renewal, the new price then from the renewal after) exactly as the renewal
	 * engine charges it, and how to cancel before the new price, or, where consent is required, that the subscription
	 * ends at that renewal unless the new price is accepted.
	 */
	private String priceChangeBody(Letter letter, Subscription s, String name, PriceChangeAtRenewal atRenewal) {
		SubscriptionPriceChange change = atRenewal.change();
		String term = letter.text(s.term() == Term.P1Y ? "priceChange.term.year" : "priceChange.term.month");
		// told again ahead of a later renewal after the customer accepted: that renewal is charged, as for a change
		// needing no consent, and they can still cancel before it
		String key = change.awaitingConsent() ? "priceChange.consent" : "priceChange.body";
		return letter.text(atRenewal.discountFirst() ? key + ".discountFirst" : key, name, s.orderNumber(),
				letter.money(change.oldPrice()), letter.money(change.newPrice()), term, letter.date(atRenewal.renewal()),
				baseUrl, letter.money(atRenewal.charge()), letter.date(atRenewal.newPriceFrom()));
	}

	@EventListener
	void on(RenewalsCharged charged) {
		List<Notices.Draft> drafts = charged.renewals()
			.stream()
			.map(r -> receipt(r.subscription(), r.chargeId(), r.to(), r.dueAt()))
			.toList();
		notices.sendAll(drafts);
	}

	private Notices.Draft receipt(Subscription s, String chargeId, Accounts.Addressee to, Instant at) {
		Plan plan = catalog.get(s.planCode());
		Letter letter = notices.letterFor(to.country());
		String name = catalog.name(s.planCode(), letter.locale());
		String price = letter.money(s.price());
		return new Notices.Draft(letter, s.accountId(), to.email(), NoticeType.RENEWAL_RECEIPT,
				letter.text("receipt.subject", name, price),
				letter.text("receipt.body", price, name, s.orderNumber(), letter.date(s.currentPeriodEnd()),
						letter.date(s.nextPeriodEnd()), chargeId, String.valueOf(plan.moneyBackDays()))
						+ coolingOff(s, to, letter),
				chargeId, at);
	}

	/**
	 * R-UK-5: where the rule table gives a new withdrawal period after each renewal that commits for 12 months or
	 * more (the UK's, behind its switch), the receipt, sent on the renewal's first day, says so, with its last day.
	 */
	private String coolingOff(Subscription s, Accounts.Addressee to, Letter letter) {
		if (s.term() != Term.P1Y || !jurisdictions.forCustomer(to.country(), null).withdrawalAfterRenewal()) {
			return "";
		}
		return letter.text("receipt.coolingOff", String.valueOf(WithdrawalPeriod.DAYS),
				letter.date(WithdrawalPeriod.lastDay(s.currentPeriodEnd(), to.country())), baseUrl);
	}

	@EventListener
	void on(RenewalsApproaching approaching) {
		List<Notices.Draft> drafts = approaching.subscriptions()
			.stream()
			.map(a -> switch (approaching.milestone()) {
				case RENEWAL -> ahead(NoticeType.RENEWAL_REMINDER, "reminder", "reminder.next", a, approaching.at());
				case CHARGE -> preBilling(a, approaching.at());
				case PROMOTION_END -> promotionEnding(a, approaching.at());
				case TRIAL_END -> ahead(NoticeType.TRIAL_ENDING, "trialEnding", "trialEnding.term", a, approaching.at());
			})
			.toList();
		notices.sendAll(drafts);
	}

	private Notices.Draft preBilling(RenewalsApproaching.Approaching a, Instant at) {
		if (a.awaitingConsent() != null) {
			return awaitingConsent(NoticeType.UPCOMING_CHARGE, a, a.awaitingConsent(), at);
		}
		Subscription s = a.subscription();
		Accounts.Addressee to = a.to();
		Letter letter = notices.letterFor(to.country());
		String name = catalog.name(s.planCode(), letter.locale());
		String price = letter.money(a.charge());
		return new Notices.Draft(letter, s.accountId(), to.email(), NoticeType.UPCOMING_CHARGE,
				letter.text("upcoming.subject", name, price), letter.text("upcoming.body",
						letter.date(s.currentPeriodEnd()), price, name, s.orderNumber(), baseUrl),
				s.id(), at);
	}

	/**
	 * The UPCOMING_CHARGE before the renewal that ends a promotional price (R-CA-6): the discount the customer accepted
	 * ends, the full price that day's charge will be, the day, the term, and how to cancel with a direct link. Where
	 * that renewal waits for consent to a new price (EU), what the PRICE_CHANGE notice said instead.
	 */
	private Notices.Draft promotionEnding(RenewalsApproaching.Approaching a, Instant at) {
		if (a.awaitingConsent() != null) {
			return awaitingConsent(NoticeType.UPCOMING_CHARGE, a, a.awaitingConsent(), at);
		}
		Subscription s = a.subscription();
		Accounts.Addressee to = a.to();
		Plan plan = catalog.get(s.planCode());
		Letter letter = notices.letterFor(to.country());
		String name = catalog.name(s.planCode(), letter.locale());
		String price = letter.money(a.charge());
		String day = letter.date(s.currentPeriodEnd());
		return new Notices.Draft(letter, s.accountId(), to.email(), NoticeType.UPCOMING_CHARGE,
				letter.text("promotionEnds.subject", name, day, price),
				letter.text("promotionEnds.body", name, s.orderNumber(), day, price,
						letter.text("reminder.next" + (plan.term() == Term.P1Y ? ".year" : ".month")), baseUrl),
				s.id(), at);
	}

	/**
	 * A notice ahead of the end of the current period: {@code key.subject} and {@code key.body} with the plan's name,
	 * the order number, the day, the price that day's charge will be, the term ({@code termKey.year} or
	 * {@code termKey.month}) and the base URL.
	 */
	private Notices.Draft ahead(NoticeType type, String key, String termKey, RenewalsApproaching.Approaching a,
			Instant at) {
		if (a.awaitingConsent() != null) {
			return awaitingConsent(type, a, a.awaitingConsent(), at);
		}
		Subscription s = a.subscription();
		Accounts.Addressee to = a.to();
		Plan plan = catalog.get(s.planCode());
		Letter letter = notices.letterFor(to.country());
		String name = catalog.name(s.planCode(), letter.locale());
		String price = letter.money(a.charge());
		String day = letter.date(s.currentPeriodEnd());
		return new Notices.Draft(letter, s.accountId(), to.email(), type, letter.text(key + ".subject", name, day, price),
				letter.text(key + ".body", name, s.orderNumber(), day, price,
						letter.text(termKey + (plan.term() == Term.P1Y ? ".year" : ".month")), baseUrl),
				s.id(), at);
	}

	/**
	 * A notice ahead of a renewal that waits for the customer's consent to a price increase (EU): no price is charged
	 * unless it is accepted, so it says what the PRICE_CHANGE notice said: the subscription ends at that renewal
	 * unless the new price is accepted, and if it is, the new price is charged.
	 */
	private Notices.Draft awaitingConsent(NoticeType type, RenewalsApproaching.Approaching a,
			PriceChangeAtRenewal change, Instant at) {
		Subscription s = a.subscription();
		Letter letter = notices.letterFor(a.to().country());
		String name = catalog.name(s.planCode(), letter.locale());
		String day = letter.date(s.currentPeriodEnd());
		return new Notices.Draft(letter, s.accountId(), a.to().email(), type,
				letter.text("priceChange.pending.subject", name, day, letter.money(change.change().newPrice())),
				priceChangeBody(letter, s, name, change), s.id(), at);
	}

	/** PAYMENT_FAILED about the failed charge (or the subscription, if none was recorded), and each expiry with it. */
	@EventListener
	void on(RenewalDeclined declined) {
		Subscription s = declined.subscription();
		Letter letter = notices.letterFor(declined.country());
		String failedChargeId = declined.failedChargeId();
		boolean last = !declined.expired().isEmpty();
		String name = catalog.name(s.planCode(), letter.locale());
		notices.send(letter, s.accountId(), declined.email(), NoticeType.PAYMENT_FAILED,
				letter.text("paymentFailed.subject", name),
				letter.text("paymentFailed.body", letter.money(s.price()), name, s.orderNumber(),
						declined.declineCode().replace('_', ' '),
						letter.text(last ? "paymentFailed.last" : "paymentFailed.retrying")),
				failedChargeId != null ? failedChargeId : s.id(), declined.dueAt());
		for (Subscription gone : declined.expired()) {
			String goneName = catalog.name(gone.planCode(), letter.locale());
			notices.send(letter, gone.accountId(), declined.email(), NoticeType.SUBSCRIPTION_EXPIRED,
					letter.text("expired.subject", goneName),
					letter.text("expired.body", goneName, gone.orderNumber(), letter.dateTime(declined.dueAt())),
					gone.id(), declined.dueAt());
		}
	}
}
