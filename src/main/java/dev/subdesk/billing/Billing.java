package dev.subdesk.billing;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.payments.PaymentGateway;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.BulkCopy;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Charges through the payment gateway and refunds by policy, by hand or by dispute. */
@Service
public class Billing {

	/** Attempts of one purchase charge when the gateway gives no answer (shared/API.md). */
	static final int PURCHASE_ATTEMPTS = 5;

	private static final String CHARGE_COLUMNS = """
			id, account_id, subscription_id, amount, currency, status, period_start, period_end, created_at,
			refunded_amount, payment_method_id, seq""";

	private static final String INSERT_CHARGE = """
			INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
			                     payment_method_id, gateway_key, failure_code, created_at, origin)
			VALUES (:id, :account, :subscription, :amount, :currency, :status, :start, :end, :pm, :key, :failure, :at, :origin)
			""";

	private static final String INSERT_REFUND = """
			INSERT INTO refunds (id, charge_id, account_id, amount, currency, status, reason, payment_method_id, created_at)
			VALUES (:id, :charge, :account, :amount, :currency, 'SUCCEEDED', :reason, :pm, :at)
			""";

	private final JdbcClient jdbc;
	private final javax.sql.DataSource dataSource;
	private final Clock clock;
	private final PaymentGateway gateway;
	private final Accounts accounts;
	private final Notices notices;

	Billing(JdbcClient jdbc, javax.sql.DataSource dataSource, Clock clock, PaymentGateway gateway, Accounts accounts,
			Notices notices) {
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.clock = clock;
		this.gateway = gateway;
		this.accounts = accounts;
		this.notices = notices;
	}

	/**
	 * Charges a purchase, retrying at once with the same gateway idempotency key while the gateway gives no
	 * answer, up to five attempts. Must run outside any database transaction.
	 */
	public PaymentOutcome chargePurchase(PaymentMethod method, Money amount, String gatewayKey) {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("The gateway is never called inside a database transaction");
		}
		for (int attempt = 1; attempt <= PURCHASE_ATTEMPTS; attempt++) {
			PaymentResult result = gateway.charge(method.gatewayToken(), amount, gatewayKey);
			switch (result) {
				case PaymentResult.Succeeded s -> {
					return new PaymentOutcome.Paid(gatewayKey);
				}
				case PaymentResult.Declined d -> {
					return new PaymentOutcome.Declined(d.code());
				}
				case PaymentResult.Unknown u -> {
					// try again with the same key: the gateway never charges one key twice
				}
			}
		}
		return new PaymentOutcome.Unavailable();
	}

	/** Gives back money the gateway took for a purchase that could not be recorded. */
	public void reverseUnrecordedPayment(PaymentMethod method, Money amount, String gatewayKey) {
		reverseUnrecordedPayment(method.gatewayToken(), amount, gatewayKey);
	}

	/** Gives back a renewal payment that could not be recorded, unless a charge for that period was recorded. */
	public void reverseUnrecordedPayment(String token, Money amount, String gatewayKey) {
		gateway.refund(token, amount, "reverse_" + gatewayKey);
	}

	/** Whether a successful charge is recorded for this subscription's period starting at {@code periodStart}. */
	@Transactional(readOnly = true)
	public boolean hasSuccessfulCharge(String subscriptionId, Instant periodStart) {
		return jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM charges WHERE subscription_id = :sub AND period_start = :start AND status <> 'FAILED')
				""").param("sub", subscriptionId).param("start", Timestamp.from(periodStart)).query(Boolean.class).single();
	}

	/** Records a successful charge for one period; the database refuses a second one for the same period. */
	@Transactional(propagation = Propagation.MANDATORY)
	public Charge recordSuccessfulCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, Instant at) {
		return insertCharge(accountId, subscriptionId, amount, Charge.Status.SUCCEEDED, periodStart, periodEnd,
				paymentMethodId, gatewayKey, null, at, "PURCHASE");
	}

	/** Records a declined renewal attempt. */
	@Transactional(propagation = Propagation.MANDATORY)
	public Charge recordFailedCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, String failureCode, Instant at) {
		return insertCharge(accountId, subscriptionId, amount, Charge.Status.FAILED, periodStart, periodEnd,
				paymentMethodId, gatewayKey + "#" + Ids.next("try"), failureCode, at, "RENEWAL");
	}

	private Charge insertCharge(String accountId, String subscriptionId, Money amount, Charge.Status status,
			Instant periodStart, Instant periodEnd, String paymentMethodId, String gatewayKey, @Nullable String failure,
			Instant at, String origin) {
		String id = Ids.next("ch");
		jdbc.sql(INSERT_CHARGE)
			.param("id", id)
			.param("account", accountId)
			.param("subscription", subscriptionId)
			.param("amount", amount.amount())
			.param("currency", amount.currency())
			.param("status", status.name())
			.param("start", Timestamp.from(periodStart))
			.param("end", Timestamp.from(periodEnd))
			.param("pm", paymentMethodId)
			.param("key", gatewayKey)
			.param("failure", failure)
			.param("at", Timestamp.from(at))
			.param("origin", origin)
			.update();
		return charge(id).orElseThrow();
	}

	/** A successful renewal charge to record. */
	public record NewCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, Instant at) {
	}

	/**
	 * Records successful renewal charges with one COPY. The caller records only charges of subscriptions it has
	 * just moved to the charged period in the same transaction, so the database's one-success-per-period index
	 * (invariant 2) never fires here; if it ever did, the whole batch would roll back and repeat with the same
	 * gateway keys. Returns the id of each charge by subscription id.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Map<String, String> recordSuccessfulCharges(List<NewCharge> charges) {
		java.util.Map<String, String> recorded = new java.util.HashMap<>(charges.size() * 2);
		BulkCopy copy = new BulkCopy();
		for (NewCharge c : charges) {
			String id = Ids.next("ch");
			recorded.put(c.subscriptionId(), id);
			copy.row()
				.add(id)
				.add(c.accountId())
				.add(c.subscriptionId())
				.add(c.amount().amount())
				.add(c.amount().currency())
				.add("SUCCEEDED")
				.add(c.periodStart())
				.add(c.periodEnd())
				.add(c.paymentMethodId())
				.add(c.gatewayKey())
				.add(c.at())
				.add("RENEWAL");
		}
		copy.into(dataSource, """
				charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				         payment_method_id, gateway_key, created_at, origin)""");
		return recorded;
	}

	/**
	 * Charges renewals through the gateway in one batch, outside any transaction. Each attempt has its own
	 * gateway idempotency key, so a repeated attempt (after a crash or a lost answer) never charges twice.
	 */
	public List<PaymentResult> chargeRenewals(List<PaymentGateway.ChargeRequest> requests) {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("The gateway is never called inside a database transaction");
		}
		return gateway.chargeAll(requests);
	}

	/**
	 * Imported charges (not made by a purchase or a renewal here) created after {@code seq}, oldest first: what
	 * the invariant-1 sweep looks at. Purchases and renewals are recorded only while their subscription is
	 * renewable, so they cannot start after a cancellation.
	 */
	@Transactional(readOnly = true)
	public List<Charge> importedChargesAfter(long seq, int limit) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE origin = 'IMPORT' AND seq > :seq ORDER BY seq LIMIT :limit
				""").param("seq", seq).param("limit", limit).query(Billing::mapCharge).list();
	}

	/** The highest charge sequence number so far. */
	@Transactional(readOnly = true)
	public long lastChargeSeq() {
		return jdbc.sql("SELECT coalesce(max(seq), 0) FROM charges").query(Long.class).single();
	}

	@Transactional(readOnly = true)
	public Optional<Charge> charge(String id) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + " FROM charges WHERE id = :id")
			.param("id", id)
			.query(Billing::mapCharge)
			.optional();
	}

	/** The latest successful charge of a subscription: the one the money-back window counts from. */
	@Transactional(readOnly = true)
	public Optional<Charge> latestSuccessfulCharge(String subscriptionId) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE subscription_id = :sub AND status <> 'FAILED'
				ORDER BY created_at DESC, seq DESC LIMIT 1
				""").param("sub", subscriptionId).query(Billing::mapCharge).optional();
	}

	/** Successful charges of a subscription for periods starting at or after {@code from}. */
	@Transactional(readOnly = true)
	public List<Charge> successfulChargesFrom(String subscriptionId, Instant from) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE subscription_id = :sub AND status <> 'FAILED' AND period_start >= :from
				ORDER BY created_at, seq
				""").param("sub", subscriptionId).param("from", Timestamp.from(from)).query(Billing::mapCharge).list();
	}

	@Transactional(readOnly = true)
	public Page<Charge> charges(String accountId, Page.Request request) {
		List<Charge> rows = jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE account_id = :account AND (created_at, seq) < (:afterAt, :afterSeq)
				ORDER BY created_at DESC, seq DESC LIMIT :limit
				""")
			.param("account", accountId)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Billing::mapCharge)
			.list();
		return Page.of(rows, request.limit(), c -> new Page.Cursor(c.createdAt(), c.seq()));
	}

	/**
	 * Refunds part or all of a charge to its own payment method, with a REFUND_ISSUED notice.
	 *
	 * @param amount the amount in the charge's minor unit; null means what is left
	 * @throws SubdeskException {@code 409 CHARGE_NOT_REFUNDABLE} for a failed charge,
	 *         {@code 409 REFUND_EXCEEDS_CHARGE} for more than what is left
	 */
	@Transactional
	public Refund refund(String chargeId, @Nullable Long amount, String reason) {
		return refund(chargeId, amount, reason, clock.instant());
	}

	/** As {@link #refund(String, Long, String)}, stamped with the instant its job was due. */
	@Transactional
	public Refund refund(String chargeId, @Nullable Long amount, String reason, Instant at) {
		Charge charge = jdbc.sql("SELECT " + CHARGE_COLUMNS + " FROM charges WHERE id = :id FOR UPDATE")
			.param("id", chargeId)
			.query(Billing::mapCharge)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		if (!charge.successful()) {
			throw SubdeskException.conflict("CHARGE_NOT_REFUNDABLE", "A failed charge moved no money to refund");
		}
		long left = charge.remaining().amount();
		long value = amount == null ? left : amount;
		if (value > left || value <= 0) {
			throw SubdeskException.conflict("REFUND_EXCEEDS_CHARGE",
					"Only %d of this charge is left to refund".formatted(left));
		}
		long refunded = charge.refundedAmount() + value;
		jdbc.sql("UPDATE charges SET refunded_amount = :refunded, status = :status WHERE id = :id")
			.param("refunded", refunded)
			.param("status", refunded == charge.amount() ? "REFUNDED" : "PARTIALLY_REFUNDED")
			.param("id", chargeId)
			.update();
		String id = Ids.next("re");
		jdbc.sql(INSERT_REFUND)
			.param("id", id)
			.param("charge", chargeId)
			.param("account", charge.accountId())
			.param("amount", value)
			.param("currency", charge.currency())
			.param("reason", reason)
			.param("pm", charge.paymentMethodId())
			.param("at", Timestamp.from(at))
			.update();
		PaymentMethod method = accounts.paymentMethodEvenIfRemoved(charge.paymentMethodId()).orElseThrow();
		gateway.refund(method.gatewayToken(), Money.of(value, charge.currency()), id);
		String email = accounts.get(charge.accountId()).email();
		notices.send(charge.accountId(), email, NoticeType.REFUND_ISSUED,
				"Refund of %s issued".formatted(dev.subdesk.shared.Formats.money(Money.of(value, charge.currency()))), """
						We have refunded %s to your %s card ending in %s (charge %s, refund %s).
						Reason: %s
						Depending on your bank it shows on your statement within 5 to 10 days.""".formatted(
						dev.subdesk.shared.Formats.money(Money.of(value, charge.currency())), method.brand(), method.last4(), chargeId, id,
						reason),
				id, at);
		return new Refund(id, chargeId, value, charge.currency(), "SUCCEEDED", reason, at);
	}

	@Transactional(readOnly = true)
	public Optional<Refund> refundById(String id) {
		return jdbc.sql("SELECT id, charge_id, amount, currency, status, reason, created_at FROM refunds WHERE id = :id")
			.param("id", id)
			.query(Billing::mapRefund)
			.optional();
	}

	static Charge mapCharge(ResultSet rs, int row) throws SQLException {
		return new Charge(rs.getString("id"), rs.getString("account_id"), rs.getString("subscription_id"),
				rs.getLong("amount"), rs.getString("currency"), Charge.Status.valueOf(rs.getString("status")),
				rs.getTimestamp("period_start").toInstant(), rs.getTimestamp("period_end").toInstant(),
				rs.getTimestamp("created_at").toInstant(), rs.getLong("refunded_amount"),
				rs.getString("payment_method_id"), rs.getLong("seq"));
	}

	static Refund mapRefund(ResultSet rs, int row) throws SQLException {
		return new Refund(rs.getString("id"), rs.getString("charge_id"), rs.getLong("amount"), rs.getString("currency"),
				rs.getString("status"), rs.getString("reason"), rs.getTimestamp("created_at").toInstant());
	}
}
