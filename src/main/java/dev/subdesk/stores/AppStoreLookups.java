package dev.subdesk.stores;

import dev.subdesk.subscriptions.Channel;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The App Store's side of {@link StoreLookups}: asks the App Store Server API (Get All Subscription Statuses,
 * {@link AppStoreServerApi}) about a purchase whose notice did not come, verifies the signed transaction and renewal
 * info of its answer as a notification's ({@link AppStoreNotifications#transaction}: the chain, the app, the
 * environment), and applies the notification the status stands for ({@link AppStoreNotifications#noticeOf},
 * {@link AppStoreNotifications#changeOf}) through {@link StoreSync}, recorded as a {@link StoreLookups#LOOKUP}; an
 * answer whose ids cannot be kept ({@link StoreReport#unusable}) is not applied, as one that does not verify.
 * Asked only when the API's key is configured ({@link #asked}).
 */
@Component
class AppStoreLookups {

	private static final Logger log = LoggerFactory.getLogger(AppStoreLookups.class);

	private final @Nullable AppStoreServerApi api;
	private final AppStoreNotifications notifications;
	private final StoreSync sync;
	private final UnknownPurchases unknown;

	AppStoreLookups(ObjectProvider<AppStoreServerApi> api, AppStoreNotifications notifications, StoreSync sync,
			UnknownPurchases unknown) {
		this.api = api.getIfAvailable();
		this.notifications = notifications;
		this.sync = sync;
		this.unknown = unknown;
	}

	/** Whether App Store purchases are looked up: the App Store Server API's key is configured. */
	boolean asked() {
		return api != null;
	}

	/**
	 * Asks the App Store, at {@code asked} (our clock), about the purchase {@code originalTransactionId} and applies the
	 * answer, counted as signed when Apple signed it ({@link #signedAt}): {@link StoreLookups.Asked#APPLIED}, or why
	 * not (logged: it is asked again at the next interval).
	 */
	StoreLookups.Asked lookUp(String originalTransactionId, Instant asked) {
		if (api == null) {
			return StoreLookups.Asked.UNAVAILABLE;
		}
		Optional<AppStoreServerApi.LastTransaction> answer;
		try {
			answer = api.statuses(originalTransactionId).flatMap(statuses -> {
				// the API answers for the app and environment of its key and address: another is a misconfiguration
				if (statuses.bundleId() != null && !statuses.bundleId().equals(notifications.configuredApp())
						|| statuses.environment() != null
								&& !statuses.environment().equals(notifications.configuredEnvironment())) {
					throw new AppStoreServerApi.Unavailable("the answer is for app %s in %s, not the configured one"
						.formatted(StoreFields.quoted(statuses.bundleId() == null ? "-" : statuses.bundleId()),
								StoreFields.quoted(statuses.environment() == null ? "-" : statuses.environment())),
						null);
				}
				// an answer without the purchase says nothing of it (not that Apple does not know it): no answer
				return Optional.of(statuses.of(originalTransactionId)
					.orElseThrow(() -> new AppStoreServerApi.Unavailable(
							"the answer has no status of the purchase (" + statuses.lastTransactions().size()
									+ " others)", null)));
			});
		}
		catch (RuntimeException e) {
			log.warn("The App Store could not be asked about purchase {}: {}; asked again later", originalTransactionId,
					e.getMessage());
			return StoreLookups.Asked.UNAVAILABLE;
		}
		if (answer.isEmpty()) {
			// asked no more after a few days of it
			unknown.answered(Channel.APP_STORE.name(), originalTransactionId, asked);
			return StoreLookups.Asked.NOT_APPLIED;
		}
		AppStoreServerApi.LastTransaction last = answer.get();
		try {
			Map<String, Object> transaction = notifications.transaction(last.signedTransactionInfo());
			Map<String, Object> renewal = notifications.renewal(last.signedRenewalInfo());
			if (!originalTransactionId.equals(transaction.get("originalTransactionId"))) {
				throw AppleSignedData.refused("the signed transaction is not of the purchase asked about");
			}
			Instant signedAt = signedAt(transaction, renewal, asked);
			AppStoreNotifications.Notice notice = AppStoreNotifications.noticeOf(last.status(), transaction, renewal);
			StoreChange change = AppStoreNotifications.changeOf(notice.type(), notice.subtype(), signedAt, transaction,
					renewal);
			StoreReport report = new StoreReport(Channel.APP_STORE, "lookup-" + UUID.randomUUID(), StoreLookups.LOOKUP,
					statusName(last.status()), signedAt, originalTransactionId, text(transaction.get("productId")),
					text(transaction.get("appAccountToken")), change,
					AppStoreNotifications.refundedAt(notice.type(), signedAt, transaction));
			Optional<String> unusable = report.unusable();
			if (unusable.isPresent()) {
				// signed by Apple, and still no id to keep: not applied, asked again at the next interval
				log.warn("The App Store's answer about purchase {} could not be applied: its signed transaction cannot "
						+ "be kept ({}); asked again later", originalTransactionId, unusable.get());
				return StoreLookups.Asked.NOT_APPLIED;
			}
			StoreOutcome outcome = sync.apply(report);
			log.info("App Store purchase {} looked up ({}): {}", originalTransactionId, statusName(last.status()),
					outcome.outcome());
			return StoreLookups.Asked.APPLIED;
		}
		catch (RuntimeException e) {
			log.warn("The App Store's answer about purchase {} could not be applied ({}); asked again later",
					originalTransactionId, e.getMessage());
			return StoreLookups.Asked.NOT_APPLIED;
		}
	}

	/**
	 * When an answer counts as signed, for its order among the purchase's notifications ({@link StoreSync}): when Apple
	 * signed it, the later {@code signedDate} of its signed transaction and renewal info, by Apple's clock, as a
	 * notification's {@code signedDate} is. A notice Apple signed before it (another delivery of an older change, whose
	 * state the answer already shows or has left behind) is then stale, and one of a change made after it is not,
	 * whatever our clock says. Only an answer with neither date (Apple sets both) counts as signed
	 * {@link StoreLookups#CLOCK_SKEW} before it was asked, by our clock.
	 */
	static Instant signedAt(Map<String, Object> transaction, Map<String, Object> renewal, Instant asked) {
		Instant ofTransaction = AppStoreNotifications.instant(transaction.get("signedDate"));
		Instant ofRenewal = AppStoreNotifications.instant(renewal.get("signedDate"));
		if (ofTransaction == null || ofRenewal == null) {
			return ofTransaction != null ? ofTransaction
					: ofRenewal != null ? ofRenewal : asked.minus(StoreLookups.CLOCK_SKEW);
		}
		return ofTransaction.isAfter(ofRenewal) ? ofTransaction : ofRenewal;
	}

	/** The name Apple's documentation gives a status, recorded as the lookup's subtype. */
	static String statusName(int status) {
		return switch (status) {
			case 1 -> "ACTIVE";
			case 2 -> "EXPIRED";
			case 3 -> "BILLING_RETRY";
			case 4 -> "BILLING_GRACE_PERIOD";
			case 5 -> "REVOKED";
			default -> "STATUS_" + status;
		};
	}

	private static @Nullable String text(@Nullable Object value) {
		return value instanceof String s && !s.isBlank() ? s : null;
	}
}
