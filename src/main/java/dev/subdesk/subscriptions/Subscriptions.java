package dev.subdesk.subscriptions;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.PaymentOutcome;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.checkout.Consents;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.StorableText;
import dev.subdesk.shared.SubdeskException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The subscription lifecycle. Purchases record the payment attempt and the buyer's acceptance of the disclosure,
 * charge the first term outside any transaction (the gateway is never called while rows are locked), then record the
 * subscription, its consent, its charge and its ORDER_CONFIRMATION together; a purchase that is never recorded gets
 * its money back (Billing's sweep) and its acceptance is kept marked as selling nothing.
 */
@Service
public class Subscriptions {

	private final JdbcSubscriptionRepository repository;
	private final Catalog catalog;
	private final Accounts accounts;
	private final Billing billing;
	private final Clock clock;
	private final ApplicationEventPublisher events;
	private final TransactionTemplate tx;
	private final Consents consents;
	private final dev.subdesk.catalog.PriceChanges priceChanges;
	private final dev.subdesk.jurisdictions.Jurisdictions jurisdictions;
	private final FirstRenewalPriceChanges firstRenewalPrices;

	Subscriptions(JdbcSubscriptionRepository repository, Catalog catalog, Accounts accounts, Billing billing,
			Clock clock, ApplicationEventPublisher events, PlatformTransactionManager txManager,
			Consents consents, dev.subdesk.catalog.PriceChanges priceChanges,
			dev.subdesk.jurisdictions.Jurisdictions jurisdictions, FirstRenewalPriceChanges firstRenewalPrices) {
		this.jurisdictions = jurisdictions;
		this.priceChanges = priceChanges;
		this.firstRenewalPrices = firstRenewalPrices;
		this.consents = consents;
		this.repository = repository;
		this.catalog = catalog;
		this.accounts = accounts;
		this.billing = billing;
		this.clock = clock;
		this.events = events;
		this.tx = new TransactionTemplate(txManager);
	}

	/**
	 * A purchase that passed its checks; {@code price} is the plan's price for the account's country; {@code at} the
	 * instant whose terms its consent was checked against.
	 */
	private record Checked(Account account, Plan plan, @Nullable PaymentMethod method, Money price,
			@Nullable Subscription parent, Instant at) {

		/**
		 * Whether the purchase starts in a free trial: the plan's own, or an add-on bought onto a base that is still in
		 * its free trial, which trials with it until the base's trial ends (DESIGN-NOTES, "Add-ons on a trialing base").
		 */
		boolean trial(Channel channel) {
			return startsWithTrial(plan, channel) || parentTrialing();
		}

		boolean parentTrialing() {
			return parent != null && parent.status() == Subscription.Status.TRIALING;
		}
	}

	/**
	 * Buys a plan: checks the request, charges the first term (retrying transient gateway errors with one
	 * gateway idempotency key), and records the subscription. Nothing is created when the card is declined
	 * ({@code 402 PAYMENT_DECLINED}) or the gateway never answers ({@code 503 PAYMENT_GATEWAY_UNAVAILABLE}).
	 */
	public Subscription purchase(PurchaseRequest request) {
		return purchase(request, () -> {
		});
	}

	/**
	 * {@link #purchase(PurchaseRequest)}, telling {@code attempting} when the purchase passed its checks and holds its
	 * consent's disclosure, before its card is charged: a failure after that is this purchase's own (its card declined,
	 * the gateway silent, its record refused), one before it is not (a second click refused while another held the
	 * disclosure, or after it let go).
	 */
	public Subscription purchase(PurchaseRequest request, Runnable attempting) {
		String id = Ids.next("sub");
		ConsentRequest consent = request.consent();
		// the consent's disclosure is held from the check on, so that a second purchase with it is refused before
		// anything is charged, and the acceptance (how, when, from where, the text's hash) is committed with the hold,
		// before the gateway is asked for the money: a crash or a failed record after the charge loses no evidence
		Checked checked = tx.execute(status -> {
			Checked c = check(request, clock.instant());
			if (consent != null) {
				// the account first (the one order: account, then what hangs on it), so that a closure under way is
				// waited for and seen, or waits for this and erases the acceptance's address and agent with the rest
				if (accounts.lock(c.account().id()).closed()) {
					throw new AccountClosedException(c.account().id());
				}
				consents.claim(consent, id);
				consents.accept(consent, id, c.account().id(), c.at());
			}
			return c;
		});
		attempting.run();
		String gatewayKey = "purchase_" + id;
		PaymentMethod method = checked.method();
		boolean trial = checked.trial(request.channel());
		boolean recorded = false;
		try {
			if (method != null && !trial) {
				PaymentOutcome outcome = billing.chargePurchase(checked.account().id(), id, method, checked.price(),
						gatewayKey);
				switch (outcome) {
					case PaymentOutcome.Declined declined -> throw new SubdeskException(SubscriptionsErrorCode.PAYMENT_DECLINED,
							"The card was declined (" + declined.code() + "); nothing was charged or created");
					case PaymentOutcome.Unavailable unavailable -> throw new SubdeskException(SubscriptionsErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
							"The payment gateway did not answer; nothing was charged or created. Please try again.");
					case PaymentOutcome.Paid paid -> {
					}
				}
			}
			try {
				// the record uses exactly the price charged: the terms of the acceptance, not those of the gateway's answer
				Money charged = method != null && !trial ? checked.price() : null;
				Subscription made = tx.execute(status -> record(id, request, gatewayKey, clock.instant(), null, trial,
						checked.at(), charged));
				recorded = true;
				return made;
			}
			catch (RuntimeException e) {
				if (method != null && !trial) {
					billing.reverseUnrecordedPayment(method, checked.price(), gatewayKey);
				}
				throw e;
			}
		}
		finally {
			if (consent != null && !recorded) {
				releaseQuietly(consent, id); // nothing was made: the disclosure may back another try
			}
		}
	}

	/** Lets go of a disclosure; if that fails too, its hold ends by itself and the purchase's own failure is reported. */
	private void releaseQuietly(ConsentRequest consent, String subscriptionId) {
		try {
			consents.release(consent, subscriptionId);
		}
		catch (RuntimeException e) {
			org.slf4j.LoggerFactory.getLogger(Subscriptions.class)
				.warn("Could not let go of disclosure {} after purchase {} made nothing; its hold ends by itself",
						consent.disclosureId(), subscriptionId, e);
		}
	}

	/**
	 * A direct purchase of a plan with trial days starts TRIALING and is charged nothing (the card is still
	 * required: the trial converts with a charge at its end); a store runs its own trials.
	 */
	private static boolean startsWithTrial(Plan plan, Channel channel) {
		return plan.hasTrial() && channel == Channel.DIRECT;
	}

	/**
	 * Checks a purchase on the terms of {@code termsAt}: the plan at the price a purchase accepted then pays (a price
	 * change taking effect later, while the gateway had the payment, is not this purchase's), as the catalog has it now
	 * (a plan taken off sale meanwhile is refused).
	 */
	private Checked check(PurchaseRequest request, Instant termsAt) {
		Account account = accounts.find(request.accountId())
			.orElseThrow(() -> SubdeskException.invalid("accountId", "no such account"));
		Plan plan = catalog.forSale(request.planCode())
			.map(p -> priceChanges.current(p, termsAt))
			.orElseThrow(() -> SubdeskException.invalid("planCode", "no such plan"));
		if (plan.isAddOn() && request.parentSubscriptionId() == null) {
			throw SubdeskException.invalid("parentSubscriptionId", "an add-on needs the subscription it adds to");
		}
		if (!plan.isAddOn() && request.parentSubscriptionId() != null) {
			throw SubdeskException.invalid("parentSubscriptionId", "a base plan has no parent subscription");
		}
		Subscription parent = null;
		if (request.parentSubscriptionId() != null) {
			parent = repository.find(request.parentSubscriptionId())
				.filter(p -> p.accountId().equals(account.id()))
				.orElseThrow(() -> SubdeskException.invalid("parentSubscriptionId", "no such subscription on this account"));
		}
		PaymentMethod method = null;
		if (request.channel() == Channel.DIRECT) {
			if (request.paymentMethodId() != null) {
				method = accounts.paymentMethod(account.id(), request.paymentMethodId())
					.orElseThrow(() -> SubdeskException.invalid("paymentMethodId", "no such payment method on this account"));
			}
			else if (!account.closed()) {
				method = accounts.defaultPaymentMethod(account.id())
					.orElseThrow(() -> SubdeskException.invalid("paymentMethodId", "the account has no payment method"));
			}
		}
		if (!account.closed() || request.consent() != null) {
			// a closed account can get no disclosure: a purchase without consent there is 409 ACCOUNT_CLOSED below
			consents.check(request.consent(), account, plan.code(), request.parentSubscriptionId(),
					plan.priceFor(account.country()), request.channel().storeBilled(), termsAt);
		}
		if (account.closed()) {
			throw new AccountClosedException(account.id());
		}
		if (!plan.forSale() && request.channel() == Channel.DIRECT) {
			// a store sells on its own terms: its report of a sale is recorded whatever our catalog says now
			throw SubdeskException.of(dev.subdesk.catalog.CatalogErrorCode.PLAN_RETIRED, "The plan " + plan.code() + " is no longer sold");
		}
		if (parent != null) {
			checkParent(plan, parent, request.channel());
			Money price = plan.priceFor(account.country());
			if (!price.currency().equals(parent.price().currency())) {
				// one cancellation, refund or withdrawal adds up the base and its add-ons: they need one currency
				throw SubdeskException.of(SubscriptionsErrorCode.ADD_ON_NOT_ALLOWED,
						"%s is priced in %s here and its base %s in %s: an add-on is sold in its base's currency"
							.formatted(plan.code(), price.currency(), parent.planCode(), parent.price().currency()));
			}
		}
		return new Checked(account, plan, method, plan.priceFor(account.country()), parent, termsAt);
	}

	private void checkParent(Plan plan, Subscription parent, Channel channel) {
		if (!plan.addOnTo().contains(parent.planCode()) || parent.channel() != channel) {
			throw SubdeskException.of(SubscriptionsErrorCode.ADD_ON_NOT_ALLOWED,
					"%s cannot be added to %s on this channel".formatted(plan.code(), parent.planCode()));
		}
		boolean live = parent.status() == Subscription.Status.ACTIVE || parent.status() == Subscription.Status.TRIALING;
		if (!live || parent.cancelAt() != null) {
			throw SubdeskException.of(SubscriptionsErrorCode.PARENT_NOT_ACTIVE,
					"The parent subscription is not active or is set to end");
		}
		boolean exists = repository.addOnsOf(parent.id())
			.stream()
			.anyMatch(a -> !a.ended() && a.planCode().equals(plan.code()));
		if (exists) {
			throw SubdeskException.of(SubscriptionsErrorCode.ADD_ON_EXISTS, "The parent already has this add-on");
		}
	}

	/**
	 * Records a new subscription. A store's report: its first period runs from {@code start} to {@code storeEnd}. A
	 * direct purchase: it starts at the instant it is recorded (its {@code createdAt}) and ends one term (or its free
	 * trial) after it; with a consent whose disclosure was read on an earlier calendar day, one term (or trial) after
	 * the disclosure's instant instead ({@link Consents#termsFrom}), so that it ends on the day the text names, while
	 * {@code currentPeriodStart} stays the purchase (a period never starts before its subscription existed).
	 * {@code trialExpected}: whether the purchase was checked (and left uncharged) as
	 * starting in a free trial; if that changed meanwhile (the base's trial converted), nothing is recorded.
	 * {@code termsAt}: the instant the purchase was first checked at, whose terms (its price, its consent) it is checked
	 * against again. {@code charged}: what the gateway took for it (null: nothing was charged); a purchase whose price
	 * at {@code termsAt} is no longer that (a price in the buyer's currency added meanwhile) records nothing, and its
	 * money goes back.
	 */
	private Subscription record(String id, PurchaseRequest request, String gatewayKey, Instant start,
			@Nullable Instant storeEnd, boolean trialExpected, Instant termsAt, @Nullable Money charged) {
		Account account = accounts.lock(request.accountId());
		if (storeEnd == null) {
			// what the first renewal charges is recorded as this transaction sees the plan's changes: none is scheduled
			// between the check of the consent's disclosure and the commit
			priceChanges.holdSchedule(request.planCode());
		}
		Checked checked = check(request, termsAt);
		Plan plan = checked.plan();
		Instant now = clock.instant();
		boolean trial = storeEnd == null && checked.trial(request.channel());
		if (trial != trialExpected) {
			throw SubdeskException.of(SubscriptionsErrorCode.PARENT_NOT_ACTIVE,
					"The base subscription's free trial ended during the purchase; nothing was charged or created. Please try again.");
		}
		if (charged != null && !charged.equals(checked.price())) {
			throw new SubdeskException(SubscriptionsErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
					"The plan's price changed while the payment was being confirmed; nothing was charged or created. Please try again.");
		}
		Subscription parent = checked.parent();
		// a trial is period -1 of a subscription anchored at the trial's end: the paid terms count from the first
		// charge; an add-on on a trialing base trials until the base's trial ends and converts with it
		java.util.function.UnaryOperator<Instant> firstEnd = parent != null && checked.parentTrialing()
				? from -> parent.currentPeriodEnd() : trial ? plan::trialEnd : from -> plan.term().boundary(from, 1);
		// a direct purchase is made at its acceptance, the instant it was first checked (termsAt): its consent was given
		// and its money asked for then, so its createdAt (the conclusion of the contract, from which a withdrawal period
		// runs), its first period, its charge and its consent are all of that instant, also when the gateway's answer
		// and so the record come later, after the buyer's midnight: the days its disclosure named ("today", the last day
		// to withdraw) are the days recorded; a store reports its own period
		Instant purchased = storeEnd != null ? start : termsAt;
		Instant createdAt = storeEnd != null ? now : termsAt;
		// the first period the consent's disclosure stated: counted from the purchase, or from the disclosure when the
		// text was read before midnight and accepted after it, so that it ends on the day the text names
		Instant first = storeEnd != null ? start : consents.termsFrom(request.consent(), account, purchased, firstEnd);
		Instant end = storeEnd != null ? storeEnd : firstEnd.apply(first);
		// but it starts no earlier than the subscription: a term counted from the disclosure still begins at the
		// purchase (the anchor keeps the disclosure's instant, so later terms fall on the days it named)
		Instant periodStart = first.isBefore(purchased) ? purchased : first;
		PaymentMethod method = checked.method();
		Subscription subscription = new Subscription(id, account.id(), plan.code(), "", request.channel(),
				trial ? Subscription.Status.TRIALING : Subscription.Status.ACTIVE, true, plan.term(), trial ? end : first,
				trial ? -1 : 0, periodStart, end, null, null, null,
				request.parentSubscriptionId(), method == null ? null : method.id(), checked.price(), plan.deviceLimit(),
				createdAt, 0, null);
		String orderNumber = insertWithUniqueOrderNumber(subscription);
		if (request.consent() != null) {
			// the acceptance committed before the charge, at termsAt (this createdAt), becomes the sale's record
			consents.complete(id);
		}
		if (storeEnd == null) {
			// the change its first renewal charges, as its disclosure (checked again above, at termsAt) stated it and
			// its order confirmation states it: the API's price counts it, and only it, before its notice
			firstRenewalPrices.recordDisclosed(id, plan.offeredIn(account.country()), account.country(), termsAt, end);
		}
		changed(EventType.SUBSCRIPTION_CREATED, get(id));
		if (method != null && !trial) {
			// the charge pays for the subscription's first period, from the purchase to the end its disclosure named; it
			// was made at the acceptance, its attempt settles now
			billing.recordSuccessfulCharge(account.id(), id, checked.price(), periodStart, end, method.id(), gatewayKey,
					createdAt, now);
		}
		// a trial ending sooner than its TRIAL_ENDING reminder's lead (an add-on on a base whose trial ends soon) gets
		// the reminder with the purchase, on the day its disclosure said "we send you a reminder today", not at the
		// renewal engine's next run (which may come after the buyer's midnight)
		boolean trialEndingNow = trial && !end.minus(java.time.Duration.ofDays(
				jurisdictions.daysBefore(dev.subdesk.jurisdictions.ScheduledNotice.TRIAL_ENDING, plan.term().name())))
			.isAfter(purchased);
		if (trialEndingNow) {
			repository.trialEndingSent(id);
		}
		events.publishEvent(new SubscriptionPurchased(id, orderNumber, account, plan, request.channel(), checked.price(),
				trial, end, method, parent, createdAt, trialEndingNow));
		return get(id);
	}

	private String insertWithUniqueOrderNumber(Subscription subscription) {
		return Ids.claim(Ids::orderNumber, number -> repository.insert(subscription.withOrderNumber(number)));
	}

	/**
	 * A purchase an app store reports (store sync): a new ACTIVE, auto-renewing subscription on {@code channel}
	 * for the period the store bills, with no charge here and an ORDER_CONFIRMATION that names the store. The
	 * renewal engine does not roll a synced subscription on: the store reports each renewal.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription purchaseFromStore(String accountId, String planCode, Channel channel, Instant periodStart,
			Instant periodEnd) {
		if (!channel.storeBilled()) {
			throw new IllegalArgumentException("not a store: " + channel);
		}
		String id = Ids.next("sub");
		record(id, new PurchaseRequest(accountId, planCode, null, null, channel, null), "store_" + id, periodStart, periodEnd,
				false, clock.instant(), null);
		repository.nextAttemptAt(id, null);
		return get(id);
	}

	/**
	 * The store renewed a store-billed subscription, or recovered it from its billing retry: ACTIVE and
	 * auto-renewing for the period the store reports.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription storeRenewed(Subscription s, Instant periodStart, Instant periodEnd) {
		requireStoreBilled(s);
		Subscription updated = s.storeRenewed(periodStart, periodEnd);
		repository.update(updated);
		repository.nextAttemptAt(s.id(), null);
		changed(EventType.SUBSCRIPTION_RENEWED, updated);
		return updated;
	}

	/**
	 * The store moved a store-billed subscription to another plan (an upgrade at once, a downgrade from its renewal
	 * on): what it entitles to, its seats, term and price are the new plan's from now on, in the subscription's own
	 * currency where the plan has a price in it; with another term, its periods count from the store's new one
	 * ({@code periodStart} to {@code periodEnd}). With fewer seats, the newest devices beyond them are deactivated.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription storePlanChanged(Subscription s, Plan plan, Instant periodStart, Instant periodEnd) {
		requireStoreBilled(s);
		if (s.planCode().equals(plan.code())) {
			return s;
		}
		Subscription updated = s.onStorePlan(plan.code(), plan.term(),
				plan.priceIn(s.price().currency()).orElse(plan.price()), plan.deviceLimit(), periodStart, periodEnd);
		repository.updatePlan(updated);
		changed(EventType.SUBSCRIPTION_UPDATED, updated);
		if (updated.deviceLimit() < s.deviceLimit()) {
			events.publishEvent(new SubscriptionSeatsChanged(s.id(), s.accountId(), updated.deviceLimit(),
					clock.instant()));
		}
		return updated;
	}

	/**
	 * The store could not bill a store-billed subscription's renewal and retries itself: PAST_DUE, with no attempt
	 * of ours (the renewal engine leaves it alone until the store reports again), served until {@code graceUntil}:
	 * the end of the store's grace period, or {@code currentPeriodEnd} when the store gives no grace; null when the
	 * store named no end (entitlements then keep our own dunning's). Already PAST_DUE: only the end is updated, as
	 * the store reports it now (no second {@code subscription.past_due}): a changed end is a
	 * {@code subscription.updated} (it moves what the devices are served, invariant 12); the same end again, nothing.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription storePastDue(Subscription s, @Nullable Instant graceUntil) {
		requireStoreBilled(s);
		boolean wasPastDue = s.status() == Subscription.Status.PAST_DUE;
		if (wasPastDue && Objects.equals(s.storeGraceUntil(), graceUntil)) {
			return s;
		}
		Subscription updated = s.storePastDue(graceUntil);
		repository.update(updated);
		if (!wasPastDue) {
			repository.nextAttemptAt(s.id(), null);
			changed(EventType.SUBSCRIPTION_PAST_DUE, updated);
		}
		else {
			changed(EventType.SUBSCRIPTION_UPDATED, updated);
		}
		return updated;
	}

	private static void requireStoreBilled(Subscription s) {
		if (!s.storeBilled() || s.ended()) {
			throw new IllegalArgumentException("not a live store-billed subscription: " + s.id());
		}
	}

	@Transactional(readOnly = true)
	public Optional<Subscription> find(String id) {
		return repository.find(id);
	}

	/** A subscription that must exist, else {@code 404 NOT_FOUND}. */
	@Transactional(readOnly = true)
	public Subscription get(String id) {
		return repository.find(id).orElseThrow(() -> SubdeskException.notFound("Subscription", id));
	}

	/** Locks a subscription row for the rest of the transaction. */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription lock(String id) {
		return repository.lock(id).orElseThrow(() -> SubdeskException.notFound("Subscription", id));
	}

	@Transactional(readOnly = true)
	public Optional<Subscription> findByOrderNumber(String orderNumber) {
		if (!StorableText.storable(orderNumber)) {
			return Optional.empty(); // no order number holds U+0000 (which PostgreSQL refuses to compare)
		}
		return repository.findByOrderNumber(Ids.normalizeNumber(orderNumber));
	}

	/** Every subscription of an account, oldest first. */
	@Transactional(readOnly = true)
	public List<Subscription> forAccount(String accountId) {
		return repository.byAccount(accountId);
	}

	@Transactional(readOnly = true)
	public Page<Subscription> forAccount(String accountId, Page.Request request) {
		return Page.of(repository.page(accountId, request), request.limit(),
				s -> new Page.Cursor(s.createdAt(), s.seq()));
	}

	/** The add-ons of a base subscription that have not ended, oldest first. */
	@Transactional(readOnly = true)
	public List<Subscription> liveAddOns(String baseId) {
		return repository.addOnsOf(baseId).stream().filter(a -> !a.ended()).toList();
	}

	/** A subscription with its add-ons that have not ended (none for an add-on), oldest first. */
	public record WithAddOns(Subscription subscription, List<Subscription> liveAddOns) {

		public WithAddOns {
			liveAddOns = List.copyOf(liveAddOns);
		}
	}

	/** {@link #get} and {@link #liveAddOns} in one read. No such subscription: {@code 404}. */
	@Transactional(readOnly = true)
	public WithAddOns getWithLiveAddOns(String id) {
		return withAddOns(id, repository.withAddOns(id, false));
	}

	/** A subscription and its add-ons that have not ended, with the account that holds them. */
	public record HeldWithAddOns(WithAddOns family, Account holder) {
	}

	/**
	 * {@link #getWithLiveAddOns} and the account that holds them in one read (no read of the account of its own). No
	 * such subscription: {@code 404}.
	 */
	@Transactional(readOnly = true)
	public HeldWithAddOns getWithLiveAddOnsAndHolder(String id) {
		List<JdbcSubscriptionRepository.Held> rows = repository.withAddOnsAndHolder(id);
		WithAddOns family = withAddOns(id, rows.stream().map(JdbcSubscriptionRepository.Held::subscription).toList());
		return new HeldWithAddOns(family, rows.getFirst().holder());
	}

	/**
	 * {@link #lock}, and its add-ons locked too, in one statement: the subscription, then its add-ons (ended ones too)
	 * oldest first, locked in that order for the rest of the transaction; the live ones returned. No such
	 * subscription: {@code 404}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public WithAddOns lockWithLiveAddOns(String id) {
		return withAddOns(id, repository.withAddOns(id, true));
	}

	private static WithAddOns withAddOns(String id, List<Subscription> rows) {
		if (rows.isEmpty() || !rows.getFirst().id().equals(id)) {
			throw SubdeskException.notFound("Subscription", id);
		}
		return new WithAddOns(rows.getFirst(), rows.subList(1, rows.size()).stream().filter(a -> !a.ended()).toList());
	}

	/** The subscriptions that a cancellation has scheduled to end and that have not ended yet. */
	@Transactional(readOnly = true)
	public List<Subscription> scheduledBy(String confirmationNumber) {
		return repository.scheduledBy(confirmationNumber).stream().filter(s -> !s.ended()).toList();
	}

	/**
	 * Sets the end of a subscription: no more renewals, service until {@code cancelAt}. The confirmation number is
	 * null when the app store that bills it reported auto-renewal off.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription scheduleEnd(Subscription s, Instant cancelAt, @Nullable String confirmationNumber) {
		Subscription updated = s.scheduleEnd(cancelAt, confirmationNumber);
		repository.update(updated);
		changed(EventType.SUBSCRIPTION_CANCELLATION_SCHEDULED, updated);
		return updated;
	}

	/**
	 * Takes a scheduled end back: auto-renewal on again, with the account's default card if it had none (a
	 * store-billed one stays without a card: the store bills it).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription unschedule(Subscription s) {
		String method = s.paymentMethodId();
		if (!s.storeBilled() && (method == null || accounts.paymentMethod(s.accountId(), method).isEmpty())) {
			method = accounts.defaultPaymentMethod(s.accountId()).map(PaymentMethod::id).orElse(null);
		}
		Subscription updated = s.resume(method);
		repository.update(updated);
		changed(EventType.SUBSCRIPTION_RESUMED, updated);
		return updated;
	}

	/**
	 * Ends a subscription at {@code at}: CANCELLED (by a cancellation, recorded by {@code confirmationNumber})
	 * or EXPIRED (by failed payment). Its devices are deactivated in the same transaction. {@code at} is recorded as
	 * the end of the contract ({@code subscriptions.ended_at}), from which the consent record's evidence is kept a year
	 * (checkout's ConsentEvidenceRetention): the clock's now for a cancellation at once or a closure, the due instant of
	 * the scheduled end or of the last declined retry that runs it, the instant the store names for its end.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription end(Subscription s, Subscription.Status status, Instant at, @Nullable String confirmationNumber) {
		Subscription updated = s.end(status, at, confirmationNumber);
		repository.updateEnded(updated, at);
		changed(status == Subscription.Status.CANCELLED ? EventType.SUBSCRIPTION_CANCELLED : EventType.SUBSCRIPTION_EXPIRED,
				updated);
		events.publishEvent(new SubscriptionEnded(s.id(), s.accountId(), status, at));
		return updated;
	}

	/**
	 * Sets the price of the next renewal (an accepted retention discount). A plan's price change pending for that
	 * renewal whose new price is higher than the discount then applies from the renewal after it, told again inside
	 * the window before that one (SubscriptionPriceChanges): the discount is charged, and, where consent is required,
	 * the subscription does not end for want of it before the new price is due. The renewal is marked as the one a
	 * discount was accepted for ({@code discounted_renewal_at}, the current period's end); only if that renewal charges
	 * it (RenewalQueue's RENEW: not when a plan's new price below it applies there instead) does the mark stay as the
	 * start of the period it begins, a promotion whose end the renewal engine announces where the rule table says
	 * (R-CA-6, RenewalQueue#claimPromotionEndingNotices).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Subscription setRenewalPrice(Subscription s, Money price) {
		Subscription updated = s.withRenewalPrice(price);
		repository.update(updated);
		repository.discountAcceptedFor(s.id(), s.currentPeriodEnd());
		// a price change announced for that renewal moves to the one after, should the discount be lower
		repository.holdPriceChangeForKeptDiscount(updated);
		changed(EventType.SUBSCRIPTION_UPDATED, updated);
		return updated;
	}

	/**
	 * Moves a subscription to another card of its account. For a PAST_DUE subscription one extra renewal attempt
	 * becomes due at once; it is not one of the three retries and does not move them. Store-billed:
	 * {@code 409 CHANNEL_MANAGED}. Locks the account first, then the subscription, as every change of an account's
	 * subscriptions does: a card removed meanwhile is then either gone before (unknown here) or moves this one after.
	 */
	@Transactional
	public Subscription changePaymentMethod(String subscriptionId, String paymentMethodId) {
		accounts.lockHolderOf(subscriptionId);
		Subscription s = lock(subscriptionId);
		PaymentMethod method = accounts.paymentMethod(s.accountId(), paymentMethodId)
			.orElseThrow(() -> SubdeskException.invalid("paymentMethodId", "no such payment method on this account"));
		if (!s.cancellable()) {
			throw s.storeBilled()
					? SubdeskException.of(SubscriptionsErrorCode.CHANNEL_MANAGED, "This subscription is billed by " + s.channel().storeName())
					: SubdeskException.of(SubscriptionsErrorCode.ALREADY_CANCELLED, "The subscription has ended");
		}
		Subscription updated = s.withPaymentMethod(method.id());
		repository.update(updated);
		changed(EventType.SUBSCRIPTION_UPDATED, updated);
		if (s.status() == Subscription.Status.PAST_DUE) {
			repository.extraAttemptAt(s.id(), clock.instant());
		}
		return updated;
	}

	/**
	 * Removes a card. {@code 409 PAYMENT_METHOD_IN_USE} when an ACTIVE or PAST_DUE auto-renewing subscription
	 * would be left with none; subscriptions that used it move to the default.
	 */
	@Transactional
	public void removePaymentMethod(String accountId, String paymentMethodId) {
		Account account = accounts.lock(accountId);
		accounts.paymentMethod(accountId, paymentMethodId)
			.orElseThrow(() -> SubdeskException.notFound("Payment method", paymentMethodId));
		List<Subscription> all = repository.byAccount(account.id());
		boolean lastOne = accounts.paymentMethods(accountId).size() == 1;
		boolean needed = all.stream()
			.anyMatch(s -> s.channel() == Channel.DIRECT && s.autoRenew() && !s.ended());
		if (lastOne && needed) {
			throw SubdeskException.of(SubscriptionsErrorCode.PAYMENT_METHOD_IN_USE,
					"An auto-renewing subscription would be left with no payment method; turn auto-renewal off or add another card first");
		}
		String replacement = accounts.removePaymentMethod(accountId, paymentMethodId)
			.map(PaymentMethod::id)
			.orElse(null);
		for (Subscription read : all.stream().sorted(java.util.Comparator.comparing(Subscription::id)).toList()) {
			if (paymentMethodId.equals(read.paymentMethodId())) {
				// locked (in id order) and read again before it is written whole: a renewal that committed since the
				// list was read (the engine takes no account lock) keeps its period and price
				Subscription s = lock(read.id());
				Subscription updated = s.withPaymentMethod(replacement);
				repository.update(updated);
				changed(EventType.SUBSCRIPTION_UPDATED, updated);
			}
		}
	}

	/** Records the change's event in its transaction (DESIGN.md invariant 12). */
	private void changed(EventType type, Subscription after) {
		events.publishEvent(new DomainChange(type, after));
	}

	/** Subscriptions whose scheduled end is due at or before {@code until}. */
	@Transactional(readOnly = true)
	public List<String> dueToEnd(Instant until, int limit) {
		return repository.dueToEnd(until, limit);
	}

	/** The earliest scheduled end still to take effect. */
	@Transactional(readOnly = true)
	public Optional<Instant> nextScheduledEnd() {
		return repository.nextScheduledEnd();
	}
}
