package dev.subdesk.api;

import dev.subdesk.billing.Refund;
import dev.subdesk.cancellation.AccountClosures;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.ChannelInstructions;
import dev.subdesk.cancellation.Offer;
import dev.subdesk.cancellation.Quote;
import dev.subdesk.cancellation.ReceiptKey;
import dev.subdesk.shared.Money;
import dev.subdesk.support.DisputeOutcome;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The answers about cancelling, refunds and disputes in the API's shapes (shared/API.md: Cancellation, Quote,
 * Refund, dispute): records of the edge, so that a field added to a domain record does not reach clients unless the
 * contract adds it here.
 */
final class CancellationViews {

	private CancellationViews() {
	}

	record CancellationView(String confirmationNumber, Cancellation.Status status, Cancellation.Mode mode,
			List<String> subscriptionIds, List<ItemView> subscriptions, Instant requestedAt, Instant effectiveAt,
			Money refundTotal, List<RefundView> refunds, Cancellation.@Nullable Reason reason,
			CancellationChannel channel, String receiptUrl) {

		static CancellationView of(Cancellation c) {
			return new CancellationView(c.confirmationNumber(), c.status(), c.mode(), c.subscriptionIds(),
					c.subscriptions().stream().map(i -> new ItemView(i.id(), i.effectiveAt())).toList(), c.requestedAt(),
					c.effectiveAt(), c.refundTotal(), c.refunds().stream().map(RefundView::of).toList(), c.reason(),
					c.channel(), c.receiptUrl());
		}
	}

	record ItemView(String id, Instant effectiveAt) {
	}

	record RefundView(String id, String chargeId, long amount, String currency, String status, String reason,
			Instant createdAt) {

		static RefundView of(Refund r) {
			return new RefundView(r.id(), r.chargeId(), r.amount(), r.currency(), r.status(), r.reason(), r.createdAt());
		}
	}

	record QuoteView(String subscriptionId, List<String> alsoCancels, List<OptionView> options,
			@Nullable OfferView offer, @Nullable ChannelInstructionsView channelInstructions, @Nullable TrialView trial) {

		static QuoteView of(Quote q) {
			Offer offer = q.offer();
			Quote.Trial trial = q.trial();
			ChannelInstructions instructions = q.channelInstructions();
			return new QuoteView(q.subscriptionId(), q.alsoCancels(),
					q.options()
						.stream()
						.map(o -> new OptionView(o.mode(), o.effectiveAt(), o.refund(), o.refundReason()))
						.toList(),
					offer == null ? null
							: new OfferView(offer.id(), offer.subscriptionId(), offer.kind(), offer.description(),
									offer.expiresAt()),
					instructions == null ? null : ChannelInstructionsView.of(instructions),
					trial == null ? null : new TrialView(trial.endsAt(), trial.chargedSoFar(), trial.chargedIfCancelled()));
		}
	}

	record OptionView(Cancellation.Mode mode, Instant effectiveAt, Money refund,
			Quote.@Nullable RefundReason refundReason) {
	}

	record OfferView(String id, String subscriptionId, Offer.Kind kind, String description, Instant expiresAt) {
	}

	record TrialView(Instant endsAt, Money chargedSoFar, Money chargedIfCancelled) {
	}

	record ChannelInstructionsView(String channel, String url, List<String> steps) {

		static ChannelInstructionsView of(ChannelInstructions c) {
			return new ChannelInstructionsView(c.channel(), c.url(), c.steps());
		}
	}

	record CancelAllView(List<CancellationView> cancellations, List<SkippedView> skipped) {

		static CancelAllView of(Cancellations.CancelAllResult result) {
			return new CancelAllView(result.cancellations().stream().map(CancellationView::of).toList(),
					result.skipped().stream().map(s -> new SkippedView(s.subscriptionId(), s.code())).toList());
		}
	}

	record SkippedView(String subscriptionId, String code) {
	}

	record ChannelManagedView(String subscriptionId, ChannelInstructionsView channelInstructions) {

		static ChannelManagedView of(AccountClosures.ChannelManaged m) {
			return new ChannelManagedView(m.subscriptionId(), ChannelInstructionsView.of(m.channelInstructions()));
		}
	}

	record DisputeView(DisputeOutcome.Outcome outcome, @Nullable RefundView refund, @Nullable String caseNumber) {

		static DisputeView of(DisputeOutcome d) {
			Refund refund = d.refund();
			return new DisputeView(d.outcome(), refund == null ? null : RefundView.of(refund), d.caseNumber());
		}
	}

	record ReceiptKeyView(String keyId, String algorithm, String publicKey) {

		static ReceiptKeyView of(ReceiptKey k) {
			return new ReceiptKeyView(k.keyId(), k.algorithm(), k.publicKey());
		}
	}
}
