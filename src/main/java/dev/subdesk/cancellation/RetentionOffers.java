package dev.subdesk.cancellation;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.subscriptions.Subscriptions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The retention policy: a DISCOUNT of the plan's {@code retentionOffer} percent off the next renewal, rounded down
 * (the demo policy: 25% off, so the next renewal at 75% of the price; a plan may offer none), for an ACTIVE,
 * auto-renewing, DIRECT base subscription, at most once per term, never for customers in the US whose region
 * is Minnesota or unknown (Minnesota requires asking first, R-MN-1). The first eligible quote of a term
 * creates it; it stays open 7 days or until the period ends; cancelling declines it.
 */
@Service
public class RetentionOffers {

	static final Duration OPEN_FOR = Duration.ofDays(7);

	private static final String COLUMNS = "id, subscription_id, kind, description, expires_at, status, discounted_price";

	/**
	 * Declines the open offer of the subscription {@code :subscription} at {@code :at}; written into the statement that
	 * records a cancellation ({@link JdbcCancellationRepository}), so that declining costs it no round trip.
	 */
	static final String DECLINE_OPEN = "UPDATE offers SET status = 'DECLINED', answered_at = :at"
			+ " WHERE subscription_id = :subscription AND status = 'OPEN'";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final CancellationMeters meters;

	private final Jurisdictions jurisdictions;

	private final CancellationLocks locks;

	private final Catalog catalog;

	private final SubscriptionPriceChanges priceChanges;

	RetentionOffers(JdbcClient jdbc, Clock clock, Subscriptions subscriptions, Accounts accounts,
			CancellationMeters meters, Jurisdictions jurisdictions, CancellationLocks locks, Catalog catalog,
			SubscriptionPriceChanges priceChanges) {
		this.catalog = catalog;
		this.priceChanges = priceChanges;
		this.jurisdictions = jurisdictions;
		this.locks = locks;
		this.meters = meters;
		this.jdbc = jdbc;
		this.clock = clock;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
	}

	private record StoredOffer(Offer offer, String status, long discountedPrice) {

		boolean open(Instant now) {
			return "OPEN".equals(status) && now.isBefore(offer.expiresAt());
		}
	}

	/**
	 * Whether the policy allows an offer to this customer for this subscription now: never where the rule table
	 * says offers come only after the customer agreed to hear them (R-MN-1; that question is not built).
	 */
	boolean eligible(Subscription s, Account account) {
		return s.status() == Subscription.Status.ACTIVE && s.autoRenew() && s.channel() == Channel.DIRECT
				&& !s.isAddOn() && catalog.get(s.planCode()).retentionOffer().isPresent()
				&& jurisdictions.forCustomer(account.country(), account.region()).offersAllowed();
	}

	/** The offer of this term for a quote: the open one, a new one for the first eligible quote, or none. */
	@Transactional(propagation = Propagation.MANDATORY)
	Optional<Offer> forQuote(Subscription s, Account account) {
		if (!eligible(s, account)) {
			return Optional.empty();
		}
		Optional<Terms> saving = terms(s);
		if (saving.isEmpty()) {
			return Optional.empty(); // an offer that saves nothing is none, nor is one made earlier that no longer saves
		}
		Terms terms = saving.get();
		Instant now = clock.instant();
		Instant expires = now.plus(OPEN_FOR).isBefore(s.currentPeriodEnd()) ? now.plus(OPEN_FOR) : s.currentPeriodEnd();
		Optional<StoredOffer> created = jdbc.sql("""
				INSERT INTO offers (id, subscription_id, period_start, kind, description, discounted_price, status, expires_at, created_at)
				VALUES (:id, :sub, :period, 'DISCOUNT', :description, :price, 'OPEN', :expires, :at)
				ON CONFLICT (subscription_id, period_start) DO NOTHING
				RETURNING\s""" + COLUMNS)
			.param("id", Ids.next("off"))
			.param("sub", s.id())
			.param("period", Timestamp.from(s.currentPeriodStart()))
			.param("description", terms.description())
			.param("price", terms.discounted().amount())
			.param("expires", Timestamp.from(expires))
			.param("at", Timestamp.from(now))
			.query(RetentionOffers::map)
			.optional();
		created.ifPresent(offer -> meters.offerShown());
		// the words as of now, not as stored: a price-change notice since the offer was made changes what the next
		// renewal charges without it, and so the amount it names "instead of" (and, for a cut, the offer's own price);
		// the row keeps what was shown last, which is what accepting it charges
		return created.or(() -> ofTerm(s))
			.filter(o -> o.open(now))
			.map(o -> {
				if (o.discountedPrice() != terms.discounted().amount() || !o.offer().description().equals(terms.description())) {
					jdbc.sql("UPDATE offers SET description = :description, discounted_price = :price WHERE id = :id")
						.param("description", terms.description())
						.param("price", terms.discounted().amount())
						.param("id", o.offer().id())
						.update();
				}
				return new Offer(o.offer().id(), o.offer().subscriptionId(), o.offer().kind(), terms.description(),
						o.offer().expiresAt());
			});
	}

	/**
	 * The offer a quote of the subscription would show now, if its term already has one ({@link #forQuote} without
	 * making one): open, unexpired, and still allowed and saving something. Changes nothing, so a request naming an
	 * offer (a cancel that declines the one shown) can check the id without spending the term's one offer on a quote
	 * nobody saw.
	 */
	@Transactional(readOnly = true)
	public Optional<Offer> openOffer(String subscriptionId) {
		Subscription s = subscriptions.get(subscriptionId);
		if (!eligible(s, accounts.get(s.accountId())) || terms(s).isEmpty()) {
			return Optional.empty();
		}
		Instant now = clock.instant();
		return ofTerm(s).filter(o -> o.open(now)).map(StoredOffer::offer);
	}

	/**
	 * What an offer of this term says and costs, worked out whenever it is shown or accepted (never kept from when it was
	 * made): the price the next renewal charges without it (the API's price: an announced new price where one reaches
	 * that renewal, SubscriptionViews), the offer's price off the stored price, or off the new one where a cut makes
	 * that renewal cheaper (a discount above the stored price would not be kept against an increase,
	 * SubscriptionPriceChanges.keepsDiscount; one above a cut is never charged), and the words naming both.
	 */
	private record Terms(Money regular, Money discounted, String description) {
	}

	/**
	 * The offer's terms, unless it would save nothing: on a price of one minor unit the offer costs that same unit
	 * (never free), and an offer of "0% off" is no offer.
	 */
	private Optional<Terms> terms(Subscription s) {
		int percentOff = catalog.get(s.planCode()).retentionOffer().orElseThrow();
		Money regular = priceChanges.nextRenewalCharge(s);
		Money base = regular.amount() < s.price().amount() ? regular : s.price();
		// never free: a percent off a price of a few minor units rounds down to nothing, and no charge is of zero
		Money discounted = base.percent(100 - percentOff);
		if (discounted.amount() < 1) {
			discounted = Money.of(1, base.currency());
		}
		if (discounted.amount() >= regular.amount()) {
			return Optional.empty();
		}
		String description = "Stay and your next renewal on %s costs %s instead of %s (%d%% off). Nothing else changes."
			.formatted(Formats.date(s.currentPeriodEnd()), Formats.money(discounted), Formats.money(regular),
					percentOffOf(regular, base, discounted, percentOff));
		return Optional.of(new Terms(regular, discounted, description));
	}

	/**
	 * How much less than {@code regular} the offer's price is, in whole percent rounded down (never more than it
	 * saves): the plan's percent when it is off that very price ({@code base}), more when it is off the stored price
	 * below an announced rise, less when the price is so small that the percent would leave nothing.
	 */
	private static int percentOffOf(Money regular, Money base, Money discounted, int percentOff) {
		if (regular.amount() <= 0 || base.equals(regular) && discounted.equals(base.percent(100 - percentOff))) {
			return percentOff;
		}
		return (int) Math.floorDiv(Math.multiplyExact(regular.amount() - discounted.amount(), 100L), regular.amount());
	}

	/**
	 * Applies an offer the customer accepted explicitly, at the price it was last shown at (invariant 5: only what the
	 * customer saw and accepted). A stale offer (answered, expired, the subscription no longer eligible, or terms that
	 * changed since it was last shown: a price change's notice, or a disclosed one lapsing) is
	 * {@code 409 OFFER_NOT_AVAILABLE}; a new quote shows the offer as it stands.
	 */
	@Transactional
	public Subscription accept(String offerId) {
		StoredOffer stored = find(offerId).orElseThrow(() -> SubdeskException.notFound("Offer", offerId));
		Subscription s = locks.forWork(stored.offer().subscriptionId()).subscription();
		stored = find(offerId).orElseThrow();
		Instant now = clock.instant();
		if (!stored.open(now) || !eligible(s, accounts.get(s.accountId()))) {
			throw SubdeskException.of(CancellationErrorCode.OFFER_NOT_AVAILABLE, "This offer is no longer available");
		}
		Optional<Terms> terms = terms(s);
		if (terms.isEmpty()) {
			throw SubdeskException.of(CancellationErrorCode.OFFER_NOT_AVAILABLE,
					"This offer no longer saves anything on the price the next renewal charges");
		}
		Money shown = terms.get().discounted();
		if (shown.amount() != stored.discountedPrice()) {
			throw SubdeskException.of(CancellationErrorCode.OFFER_NOT_AVAILABLE,
					"This offer's terms changed since it was shown; ask for a new quote to see it as it stands");
		}
		jdbc.sql("UPDATE offers SET status = 'ACCEPTED', answered_at = :at WHERE id = :id")
			.param("at", Timestamp.from(now))
			.param("id", offerId)
			.update();
		meters.offerAccepted();
		// the price it was last shown at, which is still what its words name now
		return subscriptions.setRenewalPrice(s, shown);
	}

	/** {@code 404 NOT_FOUND} unless the offer exists. */
	@Transactional(readOnly = true)
	public void requireExists(String offerId) {
		find(offerId).orElseThrow(() -> SubdeskException.notFound("Offer", offerId));
	}

	/**
	 * Cancelling declines any open offer: declining needs no call of its own. A cancellation recorded declines it in
	 * its own statement ({@link #DECLINE_OPEN}); this is for a cancel that records none (an end already scheduled).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	void declineOpen(String subscriptionId) {
		jdbc.sql(DECLINE_OPEN).param("at", Timestamp.from(clock.instant())).param("subscription", subscriptionId).update();
	}

	private Optional<StoredOffer> ofTerm(Subscription s) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM offers WHERE subscription_id = :sub AND period_start = :period")
			.param("sub", s.id())
			.param("period", Timestamp.from(s.currentPeriodStart()))
			.query(RetentionOffers::map)
			.optional();
	}

	private Optional<StoredOffer> find(String id) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM offers WHERE id = :id")
			.param("id", id)
			.query(RetentionOffers::map)
			.optional();
	}

	private static StoredOffer map(ResultSet rs, int row) throws SQLException {
		Offer offer = new Offer(rs.getString("id"), rs.getString("subscription_id"),
				Offer.Kind.valueOf(rs.getString("kind")), rs.getString("description"),
				rs.getTimestamp("expires_at").toInstant());
		return new StoredOffer(offer, rs.getString("status"), rs.getLong("discounted_price"));
	}
}
