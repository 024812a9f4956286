package dev.subdesk.cancellation;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.jurisdictions.JurisdictionRules;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.catalog.Term;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.WithdrawalPeriod;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Withdrawal from a contract in the EU (Art. 11a of Directive 2011/83/EU as amended; R-EU-1..8): a customer whose
 * account is in an EU member state may withdraw from a contract Acme bills within {@value #PERIOD_DAYS} days of its
 * conclusion (the purchase), counted in whole local days ({@link #periodEnd}). The contract ends at once through the
 * cancellation engine, so add-ons and devices end with it and nothing is charged again, and what is left of every
 * charge of it (all of it unless part was refunded before) goes back to the card that paid, with no fee. A withdrawal is not a cancellation: it has its own record, its own {@code WDR-} reference and its
 * own acknowledgement notice (R-EU-8). A contract is withdrawn from at most once; asking again returns the
 * first withdrawal.
 */
@Service
public class Withdrawals {

	/** The withdrawal period in days, counted from the day after the conclusion of the contract (R-EU-1). */
	public static final int PERIOD_DAYS = WithdrawalPeriod.DAYS;

	/** The EU member states with the time zone in which the days of the period are counted. */
	static final Map<String, ZoneId> EU = WithdrawalPeriod.EU;

	private final JdbcWithdrawalRepository repository;
	private final Cancellations cancellations;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final Billing billing;
	private final ApplicationEventPublisher events;
	private final Clock clock;
	private final Jurisdictions jurisdictions;

	private final CancellationLocks locks;

	Withdrawals(JdbcWithdrawalRepository repository, Cancellations cancellations, Subscriptions subscriptions,
			Accounts accounts, Billing billing, ApplicationEventPublisher events, Clock clock,
			Jurisdictions jurisdictions, CancellationLocks locks) {
		this.jurisdictions = jurisdictions;
		this.locks = locks;
		this.repository = repository;
		this.cancellations = cancellations;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.billing = billing;
		this.events = events;
		this.clock = clock;
	}

	/**
	 * Whether the customer may withdraw from this contract now: an EU account that is not closed, a contract Acme
	 * bills (not a store's) that has not ended, and now before the end of its withdrawal period ({@link #periodEnd}).
	 */
	@Transactional(readOnly = true)
	public boolean eligible(Subscription s) {
		return eligible(s, accounts.get(s.accountId()), clock.instant());
	}

	/** As {@link #eligible(Subscription)}, with the account already read (for lists). */
	public boolean eligible(Subscription s, Account account) {
		return eligible(s, account, clock.instant());
	}

	/**
	 * The first instant after the withdrawal period of a contract: the end of the {@value #PERIOD_DAYS}th day after
	 * the day of its conclusion, in local days of the customer's country. A period of days starts on the day after
	 * the event and ends with the last hour of its last day (Regulation 1182/71, Art. 3), so a purchase late in the
	 * evening keeps 14 whole days, and a change to or from summer time neither adds nor takes an hour.
	 */
	public static Instant periodEnd(Subscription s, Account account) {
		return periodEnd(s.createdAt(), account.country());
	}

	static Instant periodEnd(Instant concludedAt, String country) {
		return WithdrawalPeriod.end(concludedAt, country);
	}

	private boolean eligible(Subscription s, Account account, Instant now) {
		return !account.closed() && !s.ended() && !s.storeBilled() && running(s, account, now).isPresent();
	}

	/**
	 * The withdrawal period running now, if one is: {@code from} is where it started, and what a withdrawal refunds
	 * is what is left of the charges for periods from there. Within the period after the conclusion (R-EU-1, and
	 * R-UK-5 where its switch is on): from the conclusion, so everything paid. Where the rule table gives a new
	 * period after each renewal that commits for 12 months or more (R-UK-5's renewal cooling-off): from the start of
	 * the yearly term that renewal began, for its {@value #PERIOD_DAYS} local days, so the renewal's charge (and what
	 * the add-ons that end with it were charged since) is refunded in full, and earlier terms, used, are not.
	 */
	record Running(Instant from, Instant end) {
	}

	private Optional<Running> running(Subscription s, Account account, Instant now) {
		JurisdictionRules rules = jurisdictions.forCustomer(account.country(), account.region());
		if (!rules.withdrawal()) {
			return Optional.empty();
		}
		Instant initialEnd = periodEnd(s, account);
		if (now.isBefore(initialEnd)) {
			return Optional.of(new Running(Instant.EPOCH, initialEnd));
		}
		Instant renewedAt = s.currentPeriodStart();
		boolean yearlyRenewal = rules.withdrawalAfterRenewal() && s.term() == Term.P1Y && s.periodIndex() >= 0
				&& renewedAt.isAfter(s.createdAt());
		Instant renewalEnd = periodEnd(renewedAt, account.country());
		return yearlyRenewal && now.isBefore(renewalEnd) ? Optional.of(new Running(renewedAt, renewalEnd))
				: Optional.empty();
	}

	/**
	 * What withdrawing would do: the refund (what is left of everything paid for the contract and its add-ons), the
	 * end of the period, and the add-ons that end with it.
	 */
	public record Preview(String subscriptionId, Instant periodEnd, Money refund, List<String> alsoEnds) {
	}

	@Transactional(readOnly = true)
	public Preview preview(Subscription s) {
		Account account = accounts.get(s.accountId());
		Running running = running(s, account, clock.instant())
			.orElse(new Running(Instant.EPOCH, periodEnd(s, account)));
		List<Subscription> addOns = s.isAddOn() ? List.of() : subscriptions.liveAddOns(s.id());
		Money refund = Money.zero(s.price().currency());
		for (Subscription ending : addOns) {
			refund = refund.plus(refundable(ending, running.from()));
		}
		return new Preview(s.id(), running.end(), refund.plus(refundable(s, running.from())),
				addOns.stream().map(Subscription::id).toList());
	}

	private Money refundable(Subscription s, Instant from) {
		Money sum = Money.zero(s.price().currency());
		for (Charge charge : billing.successfulChargesFrom(s.id(), from)) {
			sum = sum.plus(charge.remaining());
		}
		return sum;
	}

	/**
	 * Withdraws from a contract: ends it (and its add-ons) at once with every charge refunded in full, records the
	 * withdrawal and sends the acknowledgement with what was received and when (R-EU-7). A contract already
	 * withdrawn from returns that withdrawal and changes nothing. Not eligible: {@code 409 NOT_WITHDRAWABLE}.
	 */
	public Withdrawal withdraw(String subscriptionId, WithdrawalRequest request) {
		return billing.recordThenSettle(() -> withdrawLocked(subscriptionId, request));
	}

	private Withdrawal withdrawLocked(String subscriptionId, WithdrawalRequest request) {
		CancellationLocks.Locked locked = locks.forWork(subscriptionId);
		Account account = locked.owner();
		Subscription s = locked.subscription();
		Optional<Withdrawal> earlier = repository.forSubscription(s.id());
		if (earlier.isPresent()) {
			return earlier.get();
		}
		Instant receivedAt = clock.instant();
		Optional<Running> running = running(s, account, receivedAt);
		if (!eligible(s, account, receivedAt) || running.isEmpty()) {
			throw SubdeskException.of(CancellationErrorCode.NOT_WITHDRAWABLE,
					"This contract cannot be withdrawn from: the 14-day withdrawal period applies to contracts with Acme in the EU");
		}
		if (request.name().isBlank()) {
			throw SubdeskException.invalid("name", "a name is needed");
		}
		if (!EmailAddresses.headerSafe(request.email().strip())) {
			throw SubdeskException.invalid("email", EmailAddresses.RULE);
		}
		String reference = Ids.claim(Ids::withdrawalNumber, repository::take);
		Cancellation ended = cancellations.endForWithdrawal(locked, reference, request.channel(), request.actor(),
				running.get().from());
		Withdrawal withdrawal = new Withdrawal(reference, account.id(), s.id(), s.orderNumber(), request.name().strip(),
				request.email().strip(), request.channel(), receivedAt, ended.confirmationNumber(), ended.refundTotal());
		repository.insert(withdrawal);
		events.publishEvent(new WithdrawalReceived(withdrawal, s.planCode(), ended, request.signedIn(), account.email(),
				account.country()));
		return withdrawal;
	}

	@Transactional(readOnly = true)
	public Optional<Withdrawal> find(String referenceNumber) {
		return repository.find(Ids.normalizeNumber(referenceNumber));
	}

	@Transactional(readOnly = true)
	public Optional<Withdrawal> forSubscription(String subscriptionId) {
		return repository.forSubscription(subscriptionId);
	}

	/** A closed account's withdrawals keep their numbers and amounts; the name and email are erased. */
	@EventListener
	void on(AccountClosed closed) {
		repository.erase(closed.accountId(), closed.tombstone());
	}

	/** Another account's withdrawal acknowledged to the closing account's address keeps its number, not the address. */
	@EventListener
	void on(AccountErasing erasing) {
		repository.eraseSentWith(erasing);
	}
}
