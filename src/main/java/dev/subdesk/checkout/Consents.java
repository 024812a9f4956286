package dev.subdesk.checkout;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Consent records (R-US-2, R-CA-2): checked, and written as the purchase's acceptance ({@link #accept}), in the
 * transaction that holds the disclosure before the card is charged, so that what the buyer accepted, how, when and
 * from where is durable while the money moves; the purchase's own transaction makes it the sale's record
 * ({@link #complete}), so a subscription that needs one never exists without it. An acceptance whose purchase made
 * nothing is kept, marked ABANDONED ({@link #release}, or {@link UnfinishedCheckouts} after a node stopped), as the
 * evidence of an attempt, and is never listed as a consent record. Required for a direct purchase where the rule
 * table says so (the US); elsewhere optional, but refused when given and invalid. Kept after the account closes,
 * without the client address and user agent.
 */
@Service
public class Consents {

	/**
	 * How long a purchase may hold its disclosure: longer than all its payment attempts take. Real time, on the
	 * database's clock, whatever the test clock does ({@link #claim}).
	 */
	static final Duration HOLD = Duration.ofMinutes(5);

	private final JdbcCheckoutRepository repository;
	private final Disclosures disclosures;
	private final Jurisdictions jurisdictions;

	Consents(JdbcCheckoutRepository repository, Disclosures disclosures, Jurisdictions jurisdictions) {
		this.repository = repository;
		this.disclosures = disclosures;
		this.jurisdictions = jurisdictions;
	}

	/** Whether a direct purchase by this account needs express consent to automatic renewal. */
	public boolean required(Account account) {
		return jurisdictions.forCustomer(account.country(), account.region()).consentRequired();
	}

	/**
	 * Checks a purchase's consent: the disclosure must exist, be of this account, plan and parent, show the
	 * {@code price} the purchase is about to charge (R-US-2: the terms and price shown are what was agreed to; a price
	 * change since the disclosure needs a new one), not have expired, not back another purchase, and still be true of
	 * a purchase at {@code termsAt} ({@link Disclosures#stillTrue}): the same trial or none, the same prices and first
	 * renewal price (a base whose free trial converted since, so that the add-on said "nothing charged today" would be
	 * charged at once; a price change scheduled since). Else {@code 400} on {@code consent}. Missing where required:
	 * {@code 400}; so is a client address that is no IPv4 or IPv6 literal, or a user agent that is not one line
	 * ({@link ClientEvidence}). {@code termsAt} is the instant the purchase was first checked, its acceptance, also when it is
	 * checked again as it is recorded (after the gateway's answer, up to {@link #HOLD} later): the disclosure must have
	 * backed the purchase when it was accepted, and the purchase is recorded at that instant. A disclosure accepted on a later calendar day than it was written (read before midnight, accepted
	 * after it, within its validity) is refused when that makes its words untrue ({@link Disclosures#dayOver}: the
	 * price charged "today", the last day to withdraw); a trial's is not: the purchase keeps the days it states
	 * ({@link #termsFrom}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void check(@Nullable ConsentRequest consent, Account account, String planCode,
			@Nullable String parentSubscriptionId, Money price, boolean storeBilled, Instant termsAt) {
		if (consent == null) {
			if (!storeBilled && required(account)) {
				throw SubdeskException.invalid("consent",
						"express consent to automatic renewal is required: get a disclosure from POST /checkout/disclosures, show it and send its id");
			}
			return;
		}
		if (consent.ipAddress() != null && !ClientEvidence.isAddressLiteral(consent.ipAddress())) {
			throw SubdeskException.invalid("consent", "ipAddress must be an IPv4 or IPv6 address, such as 203.0.113.7 or 2001:db8::1");
		}
		if (consent.userAgent() != null && !ClientEvidence.isOneLine(consent.userAgent())) {
			throw SubdeskException.invalid("consent", "userAgent must be one line of text, without control characters");
		}
		Disclosure d = disclosures.find(consent.disclosureId())
			.orElseThrow(() -> SubdeskException.invalid("consent", "no such disclosure"));
		if (!d.accountId().equals(account.id()) || !d.planCode().equals(planCode)
				|| !Objects.equals(d.parentSubscriptionId(), parentSubscriptionId)) {
			throw SubdeskException.invalid("consent", "the disclosure is of another account, plan or parent subscription");
		}
		if (!d.price().equals(price)) {
			throw SubdeskException.invalid("consent",
					"the plan's price changed since the disclosure was made: get a new one and show it again");
		}
		// one expired at the buyer's midnight (its words about that day stop holding there) is told so below, after
		// the checks of what else may have changed
		if (d.expired(termsAt) && !disclosures.dayOver(d, account, termsAt)) {
			throw SubdeskException.invalid("consent", "the disclosure has expired: get a new one and show it again");
		}
		if (repository.ofDisclosure(d.id()).isPresent()) {
			throw SubdeskException.invalid("consent", "the disclosure already backs another purchase");
		}
		if (!disclosures.stillTrue(d, account, termsAt)) {
			throw SubdeskException.invalid("consent",
					"the terms changed since the disclosure: get a new one and show it again");
		}
		if (disclosures.dayOver(d, account, termsAt)) {
			throw SubdeskException.invalid("consent", ("the disclosure has expired: it was written on %s, a day that is "
					+ "over where the customer is, and what it says of that day (the charge today, the reminder today, the "
					+ "last day to withdraw) no longer holds: get a new one and show it again")
				.formatted(Disclosures.day(account, d.createdAt())));
		}
	}

	/**
	 * The instant a purchase with this consent counts its first period from (its free trial or its first term), so that
	 * its first charge or renewal, and the day to cancel by, fall on the calendar day its disclosure states:
	 * {@code start} (the purchase) when a first period counted from there ends on that day in the customer's zone, as
	 * it does for a purchase on the disclosure's own day; else the disclosure's own instant, the "today" of its text,
	 * as for one read before midnight and accepted after it. The first period is then the one the text described,
	 * started at most the disclosure's validity (plus {@link #HOLD}) before the purchase, and never charged on a day or
	 * an amount other than the text's. {@code firstEnd}: the end of a first period counted from an instant (a trial's
	 * end, or the first term boundary). Without consent: {@code start}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Instant termsFrom(@Nullable ConsentRequest consent, Account account, Instant start,
			java.util.function.UnaryOperator<Instant> firstEnd) {
		if (consent == null) {
			return start;
		}
		return disclosures.find(consent.disclosureId())
			.map(d -> Disclosures.termsFrom(d, account, start, firstEnd))
			.orElse(start);
	}

	/**
	 * Holds the disclosure of a checked consent for the purchase {@code subscriptionId} while its payment is under way,
	 * at most {@link #HOLD}, in the transaction that checked it: a second purchase with it (a second click, a retried
	 * call) is then refused, {@code 400} on {@code consent}, before its card is charged, instead of being charged and
	 * given back. The purchase lets go ({@link #release}) when it made nothing; once it made the subscription, the
	 * consent record refuses any other.
	 * <p>
	 * The hold runs in real time, on the database's clock ({@code statement_timestamp()}, the same for every node), not
	 * on the clock bean: that one is moved forward in demo and test mode, and its offset lives in the process, so a hold
	 * taken on it looked lapsed as soon as the clock was moved a day while the first click was with the gateway (a
	 * second click took it and was charged too), and a node that stopped while the clock stood ahead left a hold of a
	 * day and more (its page saying the purchase is under way for as long). The acceptance's instant and the
	 * disclosure's validity stay on the clock bean.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void claim(ConsentRequest consent, String subscriptionId) {
		if (!repository.claim(consent.disclosureId(), subscriptionId, HOLD)) {
			throw SubdeskException.invalid("consent",
					"a purchase with this disclosure is under way: its subscription appears on the account when it is done");
		}
	}

	/**
	 * Lets go of the disclosure the purchase {@code subscriptionId} held, when it made nothing, and marks its
	 * acceptance ABANDONED: kept as the evidence of an attempt (its money, if any was taken, goes back), never a
	 * consent record of a sale.
	 */
	@Transactional
	public void release(ConsentRequest consent, String subscriptionId) {
		repository.abandon(subscriptionId);
		repository.release(consent.disclosureId(), subscriptionId);
	}

	/**
	 * Whether a purchase with the disclosure is under way (it holds it, in real time as {@link #claim} measures the
	 * hold, and has not made its subscription yet).
	 */
	@Transactional(readOnly = true)
	public boolean underWay(String disclosureId) {
		return repository.claimed(disclosureId)
				&& repository.ofDisclosure(disclosureId).isEmpty();
	}

	/**
	 * Writes the acceptance of a checked consent for the purchase {@code purchaseId} (the id its subscription will
	 * have), accepted {@code at} (the purchase's acceptance, from the clock), in the transaction that checked it and
	 * holds its disclosure, before its card is charged: the disclosure's text and SHA-256, the method, the channel,
	 * the client address and user agent, and the words of the controls the buyer ticked and clicked where this server
	 * showed them (the request's {@code controlWords}). It is no consent record of a sale until the purchase
	 * {@link #complete}s it.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void accept(ConsentRequest consent, String purchaseId, String accountId, Instant at) {
		Disclosure d = disclosures.find(consent.disclosureId()).orElseThrow();
		repository.insertAcceptance(new Consent(Ids.next("cns"), purchaseId, accountId, d.id(), d.text(),
				d.textSha256(), consent.method(), consent.channel(), at, consent.ipAddress(), consent.userAgent(),
				consent.controlWords(), 0),
				purchaseId);
	}

	/**
	 * Makes the acceptance written before the charge the consent record of the new subscription {@code subscriptionId}
	 * (the purchase's id), in the transaction that records it. One marked ABANDONED meanwhile (a node's sweep read the
	 * purchase as stopped) is completed too: the sale is recorded after all.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void complete(String subscriptionId) {
		if (repository.complete(subscriptionId) != 1) {
			throw new IllegalStateException("the purchase " + subscriptionId + " has no acceptance to complete");
		}
	}

	/** The subscription a disclosure's consent bought, once it backs a purchase. */
	@Transactional(readOnly = true)
	public Optional<String> purchaseWith(String disclosureId) {
		return repository.ofDisclosure(disclosureId).map(Consent::subscriptionId);
	}

	/** A subscription's consent records, newest first. */
	@Transactional(readOnly = true)
	public List<Consent> ofSubscription(String subscriptionId) {
		return repository.ofSubscription(subscriptionId);
	}

	/** An account's consent records, newest first: the export a regulator or a card network asks for. */
	@Transactional(readOnly = true)
	public List<Consent> ofAccount(String accountId) {
		return repository.ofAccount(accountId);
	}

	/** Closure keeps the records (the law asks for them) but erases the client address and user agent. */
	@EventListener
	void on(AccountClosed closed) {
		repository.eraseClient(closed.accountId());
	}
}
