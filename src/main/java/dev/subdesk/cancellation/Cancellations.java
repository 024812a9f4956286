package dev.subdesk.cancellation;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.LockedCharge;
import dev.subdesk.billing.Refund;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Cancels subscriptions: quotes, cancel (one or all of an account), resume, auto-renewal, withdrawal's end. Every
 * new cancellation gets exactly one confirmation number, one confirmation notice and one signed receipt, in the
 * transaction that makes it (invariant 4). Work on one account is serialized by {@link CancellationLocks} (the
 * account row first). Closing an account is {@link AccountClosures}; scheduled ends taking effect and the sweep of
 * charges after a cancellation are {@link ScheduledEnds}.
 */
@Service
public class Cancellations {

	private final JdbcCancellationRepository repository;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final Billing billing;
	private final Catalog catalog;
	private final RetentionOffers offers;
	private final Receipts receipts;
	private final Clock clock;
	private final CancellationLocks locks;
	private final String appStoreUrl;
	private final String googlePlayUrl;
	private final Jurisdictions jurisdictions;
	private final String publicBaseUrl;
	private final CancellationMeters meters;
	private final ApplicationEventPublisher events;

	Cancellations(JdbcCancellationRepository repository, Subscriptions subscriptions, Accounts accounts,
			Billing billing, Catalog catalog, RetentionOffers offers, Receipts receipts, Clock clock,
			CancellationLocks locks, CancellationMeters meters,
			@Value("${subdesk.stores.app-store-url:https://apps.apple.com/account/subscriptions}") String appStoreUrl,
			@Value("${subdesk.stores.google-play-url:https://play.google.com/store/account/subscriptions}") String googlePlayUrl,
			Jurisdictions jurisdictions,
			@Value("${subdesk.public-base-url}") String publicBaseUrl, ApplicationEventPublisher events) {
		this.events = events;
		this.jurisdictions = jurisdictions;
		this.publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
				: publicBaseUrl;
		this.meters = meters;
		this.repository = repository;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.billing = billing;
		this.catalog = catalog;
		this.offers = offers;
		this.receipts = receipts;
		this.clock = clock;
		this.locks = locks;
		this.appStoreUrl = appStoreUrl;
		this.googlePlayUrl = googlePlayUrl;
	}

	/**
	 * What cancelling would do. Changes nothing, except creating the retention offer it returns.
	 * Ended: {@code 409 ALREADY_CANCELLED}.
	 */
	@Transactional
	public Quote quote(String subscriptionId) {
		// the subscription, its add-ons and their holder in one read
		Subscriptions.HeldWithAddOns held = subscriptions.getWithLiveAddOnsAndHolder(subscriptionId);
		Subscriptions.WithAddOns family = held.family();
		Subscription s = family.subscription();
		if (s.ended()) {
			throw alreadyCancelled();
		}
		if (s.storeBilled()) {
			return new Quote(s.id(), List.of(), List.of(), null, instructions(s.channel()), null);
		}
		Instant now = clock.instant();
		Account holder = held.holder();
		List<Subscription> addOns = family.liveAddOns();
		Money refund = Money.zero(s.price().currency());
		Quote.RefundReason reason = Quote.RefundReason.NONE;
		for (Subscription ending : withAddOns(s, addOns)) {
			Optional<RefundPolicy.Decision> decision = refundFor(ending, holder, billing.latestSuccessfulCharge(ending.id()),
					now);
			if (decision.isPresent()) {
				refund = refund.plus(decision.get().amount());
				reason = reason == Quote.RefundReason.MONEY_BACK_WINDOW ? reason : decision.get().reason();
			}
		}
		Instant endOfTerm = s.status() == Subscription.Status.PAST_DUE ? now
				: s.cancelAt() != null ? s.cancelAt() : s.currentPeriodEnd();
		List<Quote.Option> options = List.of(
				new Quote.Option(Cancellation.Mode.END_OF_TERM, endOfTerm, Money.zero(refund.currency()), null),
				new Quote.Option(Cancellation.Mode.IMMEDIATE, now, refund, reason));
		Offer offer = offers.forQuote(s, holder).orElse(null);
		Money nothing = Money.zero(s.price().currency());
		Quote.Trial trial = s.status() == Subscription.Status.TRIALING
				? new Quote.Trial(s.currentPeriodEnd(), nothing, nothing) : null;
		return new Quote(s.id(), addOns.stream().map(Subscription::id).toList(), options, offer, null, trial);
	}

	/**
	 * Cancels a subscription (and, for a base, its add-ons) as asked. Never turns the request into anything
	 * else; any open retention offer is declined.
	 */
	public Cancellation cancel(String subscriptionId, CancelRequest request) {
		return billing.recordThenSettle(() -> cancelLocked(locks.forWork(subscriptionId), request), this::settled,
				this::signReceipt);
	}

	/**
	 * Signs the receipt of a cancellation whose refunds were all paid back here, in the transaction that marks the
	 * last of them paid (it commits with the money's record, at no commit of its own); otherwise its receipt is
	 * signed when first asked for ({@link Receipts#find}).
	 */
	void signReceipt(Cancellation c, Map<String, Refund> paid) {
		if (!c.refunds().isEmpty() && c.refunds().stream().allMatch(r -> paid.containsKey(r.id()))) {
			receipts.complete(c.withRefunds(c.refunds().stream().map(r -> paid.get(r.id())).toList()));
		}
	}

	/**
	 * A cancellation with its refunds as they stand now that they were paid back ({@code settledNow}, by id) or left
	 * to the sweep (read again).
	 */
	Cancellation settled(Cancellation c, Map<String, Refund> settledNow) {
		if (c.refunds().isEmpty()) {
			return c;
		}
		return c.withRefunds(c.refunds()
			.stream()
			.map(r -> settledNow.containsKey(r.id()) ? settledNow.get(r.id()) : billing.refundById(r.id()).orElseThrow())
			.toList());
	}

	private Cancellation cancelLocked(CancellationLocks.Locked locked, CancelRequest request) {
		Subscription s = locked.subscription();
		Account owner = locked.owner();
		refuseUnlessCancellable(s);
		Instant now = clock.instant();
		if (request.mode() == Cancellation.Mode.END_OF_TERM) {
			if (s.scheduledToEnd()) {
				offers.declineOpen(s.id());
				return get(s.scheduledBy());
			}
			if (s.status() != Subscription.Status.PAST_DUE) {
				return scheduleEnd(s, locked.liveAddOns(), owner, request, now);
			}
		}
		return endNow(s, locked.liveAddOns(), owner, request, now);
	}

	/**
	 * Schedules the end of {@code s} at its period's end, and of its add-ons with it (each at its own period's end if
	 * sooner; a PAST_DUE one at once; one whose own cancellation ends it no later is kept as it is). The cancellation
	 * is recorded first, claiming its number, then each subscription is marked with it.
	 */
	private Cancellation scheduleEnd(Subscription s, List<Subscription> liveAddOns, Account owner, CancelRequest request,
			Instant now) {
		Instant effectiveAt = s.currentPeriodEnd();
		List<Cancellation.Item> items = new ArrayList<>();
		List<Subscription> addOns = new ArrayList<>();
		items.add(new Cancellation.Item(s.id(), effectiveAt));
		if (!s.isAddOn()) {
			for (Subscription addOn : liveAddOns) {
				Instant ownEnd = addOn.cancelAt();
				if (addOn.scheduledToEnd() && ownEnd != null && !ownEnd.isAfter(effectiveAt)) {
					continue; // its own cancellation ends it no later than the base: it is kept
				}
				supersedeOwnSchedule(addOn);
				Instant end = addOn.status() == Subscription.Status.PAST_DUE ? now
						: addOn.currentPeriodEnd().isBefore(effectiveAt) ? addOn.currentPeriodEnd() : effectiveAt;
				addOns.add(addOn);
				items.add(new Cancellation.Item(addOn.id(), end));
			}
		}
		Recorded recorded = record(s, Cancellation.Status.SCHEDULED, request, now, effectiveAt, items, List.of());
		String number = recorded.cancellation().confirmationNumber();
		List<Subscription> changed = new ArrayList<>();
		changed.add(subscriptions.scheduleEnd(s, effectiveAt, number));
		for (int i = 0; i < addOns.size(); i++) {
			Subscription addOn = addOns.get(i);
			changed.add(addOn.status() == Subscription.Status.PAST_DUE
					? subscriptions.end(addOn, Subscription.Status.CANCELLED, now, number)
					: subscriptions.scheduleEnd(addOn, items.get(i + 1).effectiveAt(), number));
		}
		return confirm(recorded, owner, changed, true);
	}

	private Cancellation endNow(Subscription s, List<Subscription> liveAddOns, Account owner, CancelRequest request,
			Instant now) {
		return endNow(s, liveAddOns, owner, request, now, (ending, at) -> {
			if (request.mode() != Cancellation.Mode.IMMEDIATE) {
				return List.of();
			}
			Plan plan = catalog.get(ending.planCode());
			// read once, locked: the refund is recorded against this very row
			Optional<LockedCharge> latest = billing.lockLatestSuccessfulCharge(ending.id());
			return refundFor(ending, owner, latest.map(LockedCharge::charge), at)
				.map(refund -> List.of(billing.recordRefund(latest.orElseThrow(), owner, refund.amount().amount(),
						refund.reason() == Quote.RefundReason.UNUSED_TERM
								? "Terminated without notice (§ 312k (6) BGB): the unused part of the term"
								: "Money-back guarantee: cancelled within %d days of the charge".formatted(plan.moneyBackDays()),
						at)))
				.orElse(List.of());
		}, true);
	}

	/** What ending one subscription at once refunds. */
	private interface Refunds {
		List<Refund> issue(Subscription ending, Instant now);
	}

	/**
	 * Ends {@code s} and its add-ons now, with what {@code refunder} refunds of each: the refunds and the cancellation
	 * are recorded first (the cancellation claiming its number), then each subscription is ended with its number.
	 */
	private Cancellation endNow(Subscription s, List<Subscription> liveAddOns, @Nullable Account owner,
			CancelRequest request, Instant now, Refunds refunder, boolean notify) {
		List<Subscription> ending = withAddOns(s, liveAddOns);
		List<Cancellation.Item> items = new ArrayList<>();
		List<Refund> refunds = new ArrayList<>();
		for (Subscription each : ending) {
			supersedeOwnSchedule(each);
			refunds.addAll(refunder.issue(each, now));
			items.add(new Cancellation.Item(each.id(), now));
		}
		Recorded recorded = record(s, Cancellation.Status.EFFECTIVE, request, now, now, items, refunds);
		String number = recorded.cancellation().confirmationNumber();
		List<Subscription> ended = new ArrayList<>();
		for (Subscription each : ending) {
			ended.add(subscriptions.end(each, Subscription.Status.CANCELLED, now, number));
		}
		return confirm(recorded, owner, ended, notify);
	}

	/**
	 * Ends a subscription and its add-ons at once for a withdrawal ({@link Withdrawals}): every successful charge
	 * of each for a period from {@code refundFrom} (the epoch within the period after the conclusion, the renewal's
	 * start within a renewal's cooling-off, R-UK-5) is refunded in full to the card that paid it, whatever the
	 * money-back policy says (R-EU-2, R-EU-4).
	 * The cancellation gets its number and signed receipt; its one notice is the withdrawal's acknowledgement, so
	 * no cancellation confirmation is sent (R-EU-8). The caller holds the locks ({@link CancellationLocks#forWork}).
	 */
	Cancellation endForWithdrawal(CancellationLocks.Locked locked, String reference, CancellationChannel channel,
			String actor, Instant refundFrom) {
		Subscription s = locked.subscription();
		refuseUnlessCancellable(s);
		CancelRequest request = new CancelRequest(Cancellation.Mode.IMMEDIATE, null,
				"Withdrawal from the contract: " + reference, channel, actor);
		String why = refundFrom.equals(Instant.EPOCH) ? "of the contract" : "of the renewal";
		// what is left once each charge is locked: a refund that took the rest meanwhile leaves nothing to refund
		return endNow(s, locked.liveAddOns(), null, request, clock.instant(),
				(ending, at) -> billing.recordRefundsOfRemainingFrom(ending.id(), refundFrom,
						"Withdrawal %s within 14 days %s: full refund, no fee".formatted(reference, why), at),
				false);
	}

	/** A subscription's own scheduled cancellation, replaced by a new one, becomes SUPERSEDED. */
	private void supersedeOwnSchedule(Subscription s) {
		String scheduledBy = s.scheduledBy();
		if (s.scheduledToEnd() && scheduledBy != null) {
			repository.findRow(scheduledBy)
				.filter(row -> row.subscriptionId().equals(s.id()) && row.status() == Cancellation.Status.SCHEDULED)
				.ifPresent(row -> repository.setStatus(row.number(), Cancellation.Status.SUPERSEDED));
		}
	}

	/** A cancellation just written, with the token of its receipt's page. */
	private record Recorded(Cancellation cancellation, String viewToken) {
	}

	/**
	 * Writes a new cancellation with its items, refunds and receipt, under a confirmation number it claims in the same
	 * statement (drawn again while the one drawn is already issued, {@link Ids#claimWith}), which also declines the
	 * open retention offer of {@code named}.
	 */
	private Recorded record(Subscription named, Cancellation.Status status, CancelRequest request, Instant now,
			Instant effectiveAt, List<Cancellation.Item> items, List<Refund> refunds) {
		Money refundTotal = Money.zero(named.price().currency());
		for (Refund refund : refunds) {
			refundTotal = refundTotal.plus(Money.of(refund.amount(), refund.currency()));
		}
		Money total = refundTotal;
		Recorded recorded = Ids.claimWith(Ids::confirmationNumber, number -> {
			var row = new JdbcCancellationRepository.Row(number, named.accountId(), named.id(), status, request.mode(),
					now, effectiveAt, total, request.reason(), request.channel());
			Cancellation cancellation = new Cancellation(number, status, request.mode(),
					items.stream().map(Cancellation.Item::id).toList(), List.copyOf(items), now, effectiveAt, total,
					List.copyOf(refunds), request.reason(), request.channel(), Cancellation.receiptPath(number));
			Receipts.Prepared receipt = receipts.prepare(cancellation);
			return repository.insertIfNumberFree(row, items, refunds, request.feedback(), request.actor(), receipt)
					? Optional.of(new Recorded(cancellation, receipt.viewToken())) : Optional.empty();
		});
		meters.cancelled(request.channel(), request.mode());
		return recorded;
	}

	/**
	 * {@code owner}, the account locked for the work, is needed only to {@code notify}: to publish
	 * {@link CancellationConfirmed}, whose listener stores the confirmation notice in this transaction.
	 * {@code changed}: the subscriptions as the cancellation left them, in the order of its items.
	 */
	private Cancellation confirm(Recorded recorded, @Nullable Account owner, List<Subscription> changed,
			boolean notify) {
		Cancellation cancellation = recorded.cancellation();
		if (notify && owner != null) {
			events.publishEvent(new CancellationConfirmed(owner.id(), owner.email(), owner.country(), cancellation,
					changed, publicBaseUrl + "/receipts/" + cancellation.confirmationNumber() + "?t=" + recorded.viewToken()));
		}
		return cancellation;
	}

	/**
	 * Takes back a scheduled cancellation before it takes effect. Nothing scheduled:
	 * {@code 409 NOT_SCHEDULED_TO_END}; an add-on whose base is ending: {@code 409 PARENT_ENDING}; no card left:
	 * {@code 409 PAYMENT_METHOD_REQUIRED}.
	 */
	@Transactional
	public Subscription resume(String subscriptionId) {
		return resumeLocked(locks.forWork(subscriptionId).subscription());
	}

	private Subscription resumeLocked(Subscription s) {
		String number = s.scheduledBy();
		if (!s.scheduledToEnd() || number == null) {
			throw SubdeskException.of(CancellationErrorCode.NOT_SCHEDULED_TO_END, "This subscription is not scheduled to end");
		}
		if (s.cancelAt() != null && !s.cancelAt().isAfter(clock.instant())) {
			// the end has taken effect; the job that records it may not have run yet
			throw SubdeskException.of(CancellationErrorCode.NOT_SCHEDULED_TO_END,
					"This subscription has reached its scheduled end; it can no longer be resumed");
		}
		String parentId = s.parentId();
		if (parentId != null && subscriptions.get(parentId).scheduledToEnd()) {
			throw SubdeskException.of(CancellationErrorCode.PARENT_ENDING,
					"The subscription this add-on belongs to is ending; resume that one first");
		}
		if (accounts.defaultPaymentMethod(s.accountId()).isEmpty()) {
			throw SubdeskException.of(CancellationErrorCode.PAYMENT_METHOD_REQUIRED, "Add a payment method before turning auto-renewal on");
		}
		Optional<JdbcCancellationRepository.Row> scheduled = repository.findRow(number);
		if (scheduled.isPresent() && scheduled.get().subscriptionId().equals(s.id())) {
			repository.setStatus(number, Cancellation.Status.REVOKED);
			for (Subscription affected : subscriptions.scheduledBy(number)) {
				subscriptions.unschedule(subscriptions.lock(affected.id()));
			}
		}
		else {
			subscriptions.unschedule(s);
		}
		return subscriptions.get(s.id());
	}

	/** The result of a PATCH of {@code autoRenew}: the subscription and the cancellation created or returned. */
	public record AutoRenewChange(Subscription subscription, @Nullable String confirmationNumber) {
	}

	/**
	 * Turns auto-renewal off (the same as cancelling END_OF_TERM) or on (the same as resuming). The value it
	 * already has changes nothing.
	 */
	@Transactional
	public AutoRenewChange setAutoRenew(String subscriptionId, boolean autoRenew, CancellationChannel channel,
			String actor) {
		CancellationLocks.Locked locked = locks.forWork(subscriptionId);
		Subscription s = locked.subscription();
		if (s.ended()) {
			throw autoRenew ? SubdeskException.of(CancellationErrorCode.NOT_SCHEDULED_TO_END, "The subscription has ended")
					: alreadyCancelled();
		}
		if (autoRenew) {
			if (s.autoRenew()) {
				return new AutoRenewChange(s, null);
			}
			return new AutoRenewChange(resumeLocked(s), null);
		}
		if (s.scheduledToEnd()) {
			return new AutoRenewChange(s, s.scheduledBy());
		}
		Cancellation c = cancelLocked(locked,
				new CancelRequest(Cancellation.Mode.END_OF_TERM, null, null, channel, actor));
		return new AutoRenewChange(subscriptions.get(s.id()), c.confirmationNumber());
	}

	/** The outcome of cancel-all: one cancellation per base subscription, and what was skipped and why. */
	public record CancelAllResult(List<Cancellation> cancellations, List<Skipped> skipped) {
	}

	public record Skipped(String subscriptionId, String code) {
	}

	/**
	 * Cancels every non-ended DIRECT subscription of an account that has no non-ended parent (add-ons go with
	 * their base); store-billed ones are skipped with {@code CHANNEL_MANAGED}.
	 */
	public CancelAllResult cancelAll(String accountId, CancelRequest request) {
		return billing.recordThenSettle(() -> cancelAllLocked(locks.openAccount(accountId), request),
				(result, settledNow) -> new CancelAllResult(
						result.cancellations().stream().map(c -> settled(c, settledNow)).toList(), result.skipped()),
				(result, paid) -> result.cancellations().forEach(c -> signReceipt(c, paid)));
	}

	/** Cancel-all for an account the caller has locked ({@link AccountClosures} too). */
	CancelAllResult cancelAllLocked(Account account, CancelRequest request) {
		String accountId = account.id();
		List<Cancellation> cancellations = new ArrayList<>();
		List<Skipped> skipped = new ArrayList<>();
		List<Subscription> bases = subscriptions.forAccount(accountId)
			.stream()
			.filter(s -> !s.ended() && !hasLiveParent(s))
			.toList();
		for (Subscription s : bases) {
			if (s.storeBilled()) {
				skipped.add(new Skipped(s.id(), "CHANNEL_MANAGED"));
				continue;
			}
			cancellations.add(cancelLocked(locks.subscriptionOf(account, s.id()), request));
		}
		return new CancelAllResult(cancellations, skipped);
	}

	private boolean hasLiveParent(Subscription s) {
		String parentId = s.parentId();
		return parentId != null && !subscriptions.get(parentId).ended();
	}

	/** A cancellation by its confirmation number (letter case ignored), else {@code 404}. */
	@Transactional(readOnly = true)
	public Cancellation get(@Nullable String confirmationNumber) {
		return find(confirmationNumber == null ? "" : confirmationNumber)
			.orElseThrow(() -> SubdeskException.notFound("Cancellation", String.valueOf(confirmationNumber)));
	}

	@Transactional(readOnly = true)
	public Optional<Cancellation> find(String confirmationNumber) {
		return repository.find(Ids.normalizeNumber(confirmationNumber));
	}

	/**
	 * Whether a SCHEDULED or EFFECTIVE cancellation ends this subscription at or before {@code instant}: a
	 * charge for a period starting then should never have happened (invariant 1).
	 */
	@Transactional(readOnly = true)
	public boolean cancelledBy(String subscriptionId, Instant instant) {
		return repository.endsAtOrBefore(subscriptionId, instant);
	}

	/**
	 * What the written policy lets support refund of a charge now, without a supervisor: all that is left of it
	 * when a cancellation ended its subscription at or before the charge's period start (invariant 1), or when it
	 * is its subscription's latest successful charge and the plan's money-back window is still open (the same
	 * {@link RefundPolicy} as an IMMEDIATE cancellation). Anything more is a goodwill refund. A failed or unknown
	 * charge: zero.
	 */
	@Transactional(readOnly = true)
	public Optional<Money> policyRefund(String chargeId) {
		Optional<Charge> charge = billing.charge(chargeId).filter(Charge::successful);
		if (charge.isEmpty()) {
			return Optional.empty();
		}
		Charge c = charge.get();
		if (cancelledBy(c.subscriptionId(), c.periodStart())) {
			return Optional.of(c.remaining()).filter(Money::positive);
		}
		Optional<Charge> latest = billing.latestSuccessfulCharge(c.subscriptionId()).filter(l -> l.id().equals(c.id()));
		return subscriptions.find(c.subscriptionId())
			.flatMap(s -> RefundPolicy.refundFor(catalog.get(s.planCode()), latest, clock.instant()));
	}

	/**
	 * As {@link #policyRefund}, decided in the caller's transaction under the locks of the charge's account and then its
	 * subscription (the order of {@link CancellationLocks}), held until it commits: a refund the caller records in the
	 * same transaction is not overtaken by a renewal charge of the subscription (recorded in the transaction that moves
	 * the subscription to its next period, which holds the subscription's row) nor by a cancellation, between this
	 * answer and the record. One under way is waited for, and this answer counts it.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Optional<Money> lockedPolicyRefund(String chargeId) {
		Optional<Charge> charge = billing.charge(chargeId);
		if (charge.isEmpty()) {
			return Optional.empty();
		}
		locks.forItsCharges(charge.get().subscriptionId());
		return policyRefund(chargeId);
	}

	/**
	 * What ending this subscription at once refunds now, given its latest successful charge and its account's holder:
	 * the written policy, and where the rule table says termination without notice applies (R-DE-6: Germany, while
	 * its switch is on), the unused share of the term too.
	 */
	private Optional<RefundPolicy.Decision> refundFor(Subscription s, Account account, Optional<Charge> latest,
			Instant now) {
		boolean withoutNotice = jurisdictions.forCustomer(account.country(), account.region()).terminationWithoutNotice();
		return RefundPolicy.decide(catalog.get(s.planCode()), latest, now, withoutNotice);
	}

	private static List<Subscription> withAddOns(Subscription s, List<Subscription> addOns) {
		List<Subscription> all = new ArrayList<>();
		all.add(s);
		all.addAll(addOns);
		return all;
	}

	/** How to cancel a store-billed subscription at its store (Subdesk cannot cancel it), in English (the API's). */
	public ChannelInstructions instructionsFor(Subscription s) {
		return instructionsFor(s, Locale.ENGLISH);
	}

	/**
	 * How to cancel a store-billed subscription at its store, in a language: German for German
	 * ({@code cancellation/store-steps_de.properties}), English otherwise.
	 */
	public ChannelInstructions instructionsFor(Subscription s, Locale locale) {
		if (!s.storeBilled()) {
			throw new IllegalArgumentException("not store-billed: " + s.id());
		}
		return instructions(s.channel(), locale);
	}

	private ChannelInstructions instructions(Channel channel) {
		return instructions(channel, Locale.ENGLISH);
	}

	/**
	 * How to cancel at a store a subscription it bills, in a language (as {@link #instructionsFor(Subscription, Locale)}):
	 * for the notices, which tell a store's steps with what they know of the subscription, its channel.
	 */
	public ChannelInstructions instructionsFor(Channel channel, Locale locale) {
		if (!channel.storeBilled()) {
			throw new IllegalArgumentException("not a store: " + channel);
		}
		return instructions(channel, locale);
	}

	private ChannelInstructions instructions(Channel channel, Locale locale) {
		String url = channel == Channel.APP_STORE ? appStoreUrl : googlePlayUrl;
		List<String> steps = new ArrayList<>();
		for (int step = 1; step <= STORE_STEPS; step++) {
			steps.add(storeSteps.getMessage(channel.name() + "." + step, new Object[] { url }, locale));
		}
		return new ChannelInstructions(channel.name(), url, List.copyOf(steps));
	}

	/** The steps of {@code cancellation/store-steps*.properties}, per store. */
	private static final int STORE_STEPS = 4;

	private static final ResourceBundleMessageSource storeSteps = storeSteps();

	private static ResourceBundleMessageSource storeSteps() {
		ResourceBundleMessageSource steps = new ResourceBundleMessageSource();
		steps.setBasename("cancellation/store-steps");
		steps.setDefaultEncoding(StandardCharsets.UTF_8.name());
		steps.setFallbackToSystemLocale(false);
		steps.setAlwaysUseMessageFormat(true);
		return steps;
	}

	/** {@link Subscription#cancellable}, or why not: ended {@code ALREADY_CANCELLED}, else {@code CHANNEL_MANAGED}. */
	private static void refuseUnlessCancellable(Subscription s) {
		if (!s.cancellable()) {
			throw s.ended() ? alreadyCancelled() : channelManaged(s);
		}
	}

	private static SubdeskException alreadyCancelled() {
		return SubdeskException.of(CancellationErrorCode.ALREADY_CANCELLED, "This subscription has already ended");
	}

	private static SubdeskException channelManaged(Subscription s) {
		return SubdeskException.of(CancellationErrorCode.CHANNEL_MANAGED,
				"This subscription is billed by %s; cancel it there".formatted(s.channel().storeName()));
	}
}
