package dev.subdesk.entitlements;

import dev.subdesk.subscriptions.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Until when a subscription covers its products (shared/API.md, Entitlements): only TRIALING (as ACTIVE, its trial
 * being the period), ACTIVE and PAST_DUE ones cover
 * anything. An ACTIVE one covers the period paid for ({@code currentPeriodEnd}), or, once a cancellation is
 * scheduled (END_OF_TERM, auto-renewal off), until it takes effect ({@code cancelAt}); a PAST_DUE one keeps its
 * service until its last dunning retry: ours for one Subdesk bills, and for a store-billed one the store's (it
 * retries, not we): the end of the store's grace period, or the end of the period paid for when the store gives no
 * grace ({@link Subscription#storeGraceUntil}). An auto-renewing one whose renewal is due but has not run yet (the renewal
 * job runs every minute, but may lag) covers an hour past now at a time, within that same grace: what is paid for
 * ends at {@code currentPeriodEnd} (API.md), and a token issued in the lag outlasts it by an hour at most. A
 * store-billed one is renewed by its store, not by our job: past its period, with no notice from the store yet, it
 * covers {@link #STORE_NOTICE_LAG} past {@code currentPeriodEnd} (a fixed end, not an hour from now), then nothing
 * until the store reports the renewal (or its billing retry, which makes it PAST_DUE with the store's grace). An add-on never covers past its base. A cancelled (refunded or not),
 * withdrawn or expired subscription covers nothing, nor does one whose coverage has already run out, nor one whose
 * charge for its current period was refunded in full (API.md: "a cancelled or refunded subscription gets no new
 * token"; it may stay ACTIVE, as after {@code POST /charges/{id}/refunds}, but nothing of the period is paid for any
 * more): a partial refund leaves the period paid for. A store-billed one the store refunds is ended (CANCELLED) by the
 * store's notice.
 */
final class CoveragePolicy {

	/** How long at a time an auto-renewing subscription whose renewal is due but has not run yet covers. */
	static final Duration RENEWAL_DUE = Duration.ofHours(1);

	/**
	 * How long past the period paid for a store-billed subscription the store has not reported on yet covers: the
	 * store bills the renewal itself and tells us by a notice that may arrive a little after the period's end. Past
	 * it, nothing the store confirmed is left to cover, so nothing is served until its notice comes.
	 */
	static final Duration STORE_NOTICE_LAG = Duration.ofHours(1);

	private CoveragePolicy() {
	}

	private static Instant earlier(Instant a, Instant b) {
		return a.isBefore(b) ? a : b;
	}

	/** Whether the charge for a subscription's current period has been refunded in full. */
	@FunctionalInterface
	interface RefundedPeriods {

		boolean currentPeriodRefunded(Subscription s);
	}

	/**
	 * The end of the coverage, when {@code s} (with its base {@code parent}, for an add-on) covers anything at
	 * {@code now}; {@code refunded} tells whether a subscription's current period was refunded in full.
	 */
	static Optional<Instant> until(Subscription s, @Nullable Subscription parent, Instant now, RefundedPeriods refunded) {
		Optional<Instant> own = own(s, now, refunded);
		if (s.isAddOn()) {
			if (parent == null) {
				return Optional.empty();
			}
			Optional<Instant> base = own(parent, now, refunded);
			own = own.flatMap(o -> base.map(b -> o.isBefore(b) ? o : b));
		}
		return own.filter(now::isBefore);
	}

	private static Optional<Instant> own(Subscription s, Instant now, RefundedPeriods refunded) {
		Instant end = switch (s.status()) {
			// renewing, with its renewal attempt due but not run yet (a job that lags, a node that was down): covered an
			// hour at a time, so its devices are not locked out and no token outlasts the lag by more than an hour;
			// never past the grace a failed attempt would have
			// a store-billed one is renewed by its store: a fixed short lag for its notice, then nothing it confirmed
			case TRIALING, ACTIVE -> !s.autoRenew() || s.cancelAt() != null || now.isBefore(s.currentPeriodEnd())
					? s.currentPeriodEnd()
					: s.storeBilled() ? s.currentPeriodEnd().plus(STORE_NOTICE_LAG)
							: earlier(now.plus(RENEWAL_DUE), s.lastRetryAt());
			// a store-billed one is served as long as the store serves it (its grace end, or the paid end without
			// grace); a store that named no end (a grace period without its end) keeps our own dunning's five days
			case PAST_DUE -> Objects.requireNonNullElse(s.storeGraceUntil(), s.lastRetryAt());
			case CANCELLED, EXPIRED -> null;
		};
		if (end == null || refunded.currentPeriodRefunded(s)) {
			return Optional.empty();
		}
		Instant cancelAt = s.cancelAt();
		return Optional.of(cancelAt != null && cancelAt.isBefore(end) ? cancelAt : end);
	}
}
