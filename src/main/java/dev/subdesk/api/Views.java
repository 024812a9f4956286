package dev.subdesk.api;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Charge;
import dev.subdesk.catalog.Plan;
import dev.subdesk.devices.Device;
import dev.subdesk.notices.Notice;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.support.SupportCase;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The JSON shapes of shared/API.md, built from the modules' own types. */
final class Views {

	private Views() {
	}

	/** A list's answer, made by {@link Paging#list}, which signs its cursor. */
	record ListView<T>(List<T> data, @Nullable String nextCursor) {
	}

	/**
	 * A Plan of shared/API.md, and what the catalog's administration adds: every price ({@code price}, the base
	 * price, first), the status ({@code ACTIVE}, or {@code RETIRED}: sold no more) and the retention offer.
	 */
	record PlanView(String code, String name, List<String> products, String term, Money price, int deviceLimit,
			int moneyBackDays, List<String> addOnTo, int trialDays, List<Money> prices, String status,
			@Nullable RetentionOfferView retentionOffer) {

		static PlanView of(Plan p) {
			return new PlanView(p.code(), p.name(), p.products(), p.term().name(), p.price(), p.deviceLimit(),
					p.moneyBackDays(), p.addOnTo(), p.trialDays(), p.prices(), p.retired() ? "RETIRED" : "ACTIVE",
					p.retentionOffer().map(RetentionOfferView::new).orElse(null));
		}
	}

	/** A plan's retention offer: {@code percentOff} the next renewal, once per term. */
	record RetentionOfferView(String kind, int percentOff) {

		RetentionOfferView(int percentOff) {
			this("DISCOUNT", percentOff);
		}
	}

	record AccountView(String id, String email, String name, String country, @Nullable String region, String status,
			Instant createdAt) {

		static AccountView of(Account a) {
			return new AccountView(a.id(), a.email(), a.name(), a.country(), a.region(), a.status().name(),
					a.createdAt());
		}
	}

	record PaymentMethodView(String id, String brand, String last4, int expMonth, int expYear,
			@com.fasterxml.jackson.annotation.JsonProperty("default") boolean isDefault) {

		static PaymentMethodView of(PaymentMethod pm) {
			return new PaymentMethodView(pm.id(), pm.brand(), pm.last4(), pm.expMonth(), pm.expYear(), pm.isDefault());
		}
	}

	record DeviceView(String id, String name, String platform, String status, @Nullable String subscriptionId) {

		static DeviceView of(Device d) {
			return new DeviceView(d.id(), d.name(), d.platform().name(), d.status().name(), d.subscriptionId());
		}
	}

	record SubscriptionView(String id, String accountId, String planCode, String orderNumber, String channel,
			String status, boolean autoRenew, Instant currentPeriodStart, Instant currentPeriodEnd,
			@Nullable Instant cancelAt, @Nullable Instant cancelledAt, @Nullable String parentSubscriptionId,
			@Nullable String paymentMethodId, Money price, Instant createdAt, @Nullable Instant trialEndsAt) {

		/** With {@code price}, what the next renewal will cost ({@link SubscriptionViews}). */
		static SubscriptionView of(Subscription s, Money price) {
			return new SubscriptionView(s.id(), s.accountId(), s.planCode(), s.orderNumber(), s.channel().name(),
					s.status().name(), s.autoRenew(), s.currentPeriodStart(), s.currentPeriodEnd(), s.cancelAt(),
					s.cancelledAt(), s.parentId(), s.paymentMethodId(), price, s.createdAt(),
					s.trialEndsAt().orElse(null));
		}
	}

	/** A subscription after PATCH, with the cancellation created or returned. */
	record PatchedSubscriptionView(String id, String accountId, String planCode, String orderNumber, String channel,
			String status, boolean autoRenew, Instant currentPeriodStart, Instant currentPeriodEnd,
			@Nullable Instant cancelAt, @Nullable Instant cancelledAt, @Nullable String parentSubscriptionId,
			@Nullable String paymentMethodId, Money price, Instant createdAt, @Nullable Instant trialEndsAt,
			@Nullable String confirmationNumber) {

		static PatchedSubscriptionView of(SubscriptionView v, @Nullable String confirmationNumber) {
			return new PatchedSubscriptionView(v.id(), v.accountId(), v.planCode(), v.orderNumber(), v.channel(),
					v.status(), v.autoRenew(), v.currentPeriodStart(), v.currentPeriodEnd(), v.cancelAt(),
					v.cancelledAt(), v.parentSubscriptionId(), v.paymentMethodId(), v.price(), v.createdAt(),
					v.trialEndsAt(), confirmationNumber);
		}
	}

	record ChargeView(String id, String subscriptionId, long amount, String currency, String status,
			Instant periodStart, Instant periodEnd, Instant createdAt, long refundedAmount, String paymentMethodId) {

		static ChargeView of(Charge c) {
			return new ChargeView(c.id(), c.subscriptionId(), c.amount(), c.currency(), c.status().name(),
					c.periodStart(), c.periodEnd(), c.createdAt(), c.refundedAmount(), c.paymentMethodId());
		}
	}

	/** A notice as the API shows it: the text of a one-time code notice stays out (it goes to the mailbox only). */
	record NoticeView(String id, String type, String to, String subject, @Nullable String body, Instant createdAt,
			@Nullable Instant sentAt, String relatedId, String deliveryStatus, @Nullable String deliveryError) {

		static NoticeView of(Notice n) {
			return new NoticeView(n.id(), n.type().name(), n.to(), n.subject(),
					n.type().carriesOneTimeCode() ? null : n.body(), n.createdAt(), n.sentAt(), n.relatedId(),
					n.deliveryStatus().name(), n.deliveryError());
		}
	}

	record CaseView(String caseNumber, @Nullable String accountId, String status, String subject, String channel,
			Instant createdAt) {

		static CaseView of(SupportCase c) {
			return new CaseView(c.caseNumber(), c.accountId(), c.status().name(), c.subject(), c.channel(),
					c.createdAt());
		}
	}
}
