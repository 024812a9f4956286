package dev.subdesk.cancellation;

import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Refund;
import dev.subdesk.shared.Money;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class JdbcCancellationRepository {

	/**
	 * A cancellation with its items, its refunds' links and its receipt ({@link Receipts#prepare}), in one statement
	 * that also declines the subscription's open retention offer ({@link RetentionOffers#DECLINE_OPEN}, whether or
	 * not the number was free: declining twice changes nothing) and claims its confirmation number: a number already
	 * issued conflicts, and then nothing else is written and the count is 0. A concurrent transaction inserting the
	 * same number is waited for (and then found to have taken it, or not): no lock is needed for a new number.
	 */
	private static final String INSERT = """
			WITH made AS (
			    INSERT INTO cancellations (confirmation_number, account_id, subscription_id, status, mode, requested_at,
			        effective_at, refund_total, currency, reason, feedback, channel, actor, created_at)
			    VALUES (:number, :account, :subscription, :status, :mode, :requested, :effective, :refundTotal, :currency,
			        :reason, :feedback, :channel, :actor, :requested)
			    ON CONFLICT (confirmation_number) DO NOTHING
			    RETURNING confirmation_number),
			items AS (
			    INSERT INTO cancellation_items (confirmation_number, position, subscription_id, effective_at)
			    SELECT made.confirmation_number, item.position - 1, item.subscription_id, item.effective_at
			    FROM made, unnest(CAST(:ids AS text[]), CAST(:ats AS timestamptz[])) WITH ORDINALITY
			        AS item (subscription_id, effective_at, position)),
			receipt AS (
			    INSERT INTO receipts (confirmation_number, payload, issued_at, key_id, signature, view_token_hash)
			    SELECT made.confirmation_number, :payload, :issuedAt, :keyId, :signature, :viewTokenHash FROM made),
			refunds AS (
			    INSERT INTO cancellation_refunds (confirmation_number, refund_id)
			    SELECT made.confirmation_number, refund.id FROM made, unnest(CAST(:refunds AS text[])) AS refund (id)),
			declined AS (
			    %s)
			SELECT count(*) FROM made
			""".formatted(RetentionOffers.DECLINE_OPEN);

	private static final String SELECT = """
			SELECT confirmation_number, account_id, subscription_id, status, mode, requested_at, effective_at,
			       refund_total, currency, reason, channel
			FROM cancellations WHERE confirmation_number = :number
			""";

	/**
	 * Locks a new withdrawal reference for the rest of the transaction, in an advisory lock space of its own: a
	 * concurrent transaction that drew the same reference waits for this one to end and then finds it taken, instead
	 * of failing on the primary key.
	 */
	static final String LOCK_NUMBER = "SELECT pg_advisory_xact_lock(1314213186, hashtext(:number))";

	/** A cancellation row before its items and refunds are attached. */
	record Row(String number, String accountId, String subscriptionId, Cancellation.Status status,
			Cancellation.Mode mode, Instant requestedAt, Instant effectiveAt, Money refundTotal,
			Cancellation.@Nullable Reason reason, CancellationChannel channel) {
	}

	private final JdbcClient jdbc;
	private final Billing billing;

	JdbcCancellationRepository(JdbcClient jdbc, Billing billing) {
		this.jdbc = jdbc;
		this.billing = billing;
	}

	/**
	 * Writes a new cancellation ({@link #INSERT}) unless its confirmation number is already issued: whether it did,
	 * the number now being this transaction's.
	 */
	boolean insertIfNumberFree(Row row, List<Cancellation.Item> items, List<Refund> refunds, @Nullable String feedback,
			String actor, Receipts.Prepared receipt) {
		Receipts.Signed signed = receipt.signed();
		return jdbc.sql(INSERT)
			.param("payload", signed == null ? null : signed.payload(), java.sql.Types.VARCHAR)
			.param("issuedAt", signed == null ? null : Timestamp.from(signed.issuedAt()), java.sql.Types.TIMESTAMP)
			.param("keyId", signed == null ? null : signed.keyId(), java.sql.Types.VARCHAR)
			.param("signature", signed == null ? null : signed.signature(), java.sql.Types.VARCHAR)
			.param("viewTokenHash", receipt.viewTokenHash())
			.param("number", row.number())
			.param("account", row.accountId())
			.param("subscription", row.subscriptionId())
			.param("status", row.status().name())
			.param("mode", row.mode().name())
			.param("requested", Timestamp.from(row.requestedAt()))
			.param("at", Timestamp.from(row.requestedAt()))
			.param("effective", Timestamp.from(row.effectiveAt()))
			.param("refundTotal", row.refundTotal().amount())
			.param("currency", row.refundTotal().currency())
			.param("reason", row.reason() == null ? null : row.reason().name())
			.param("feedback", feedback)
			.param("channel", row.channel().name())
			.param("actor", actor)
			.param("ids", items.stream().map(Cancellation.Item::id).toArray(String[]::new))
			.param("ats", items.stream().map(i -> Timestamp.from(i.effectiveAt())).toArray(Timestamp[]::new))
			.param("refunds", refunds.stream().map(Refund::id).toArray(String[]::new))
			.query(Long.class)
			.single() == 1;
	}

	Optional<Row> findRow(String number) {
		return jdbc.sql(SELECT).param("number", number).query(JdbcCancellationRepository::map).optional();
	}

	Optional<Cancellation> find(String number) {
		return findRow(number).map(this::assemble);
	}

	Cancellation assemble(Row row) {
		List<Cancellation.Item> items = jdbc.sql("""
				SELECT subscription_id, effective_at FROM cancellation_items WHERE confirmation_number = :n ORDER BY position
				""").param("n", row.number())
			.query((rs, n) -> new Cancellation.Item(rs.getString(1), rs.getTimestamp(2).toInstant()))
			.list();
		List<Refund> refunds = jdbc.sql("""
				SELECT r.refund_id FROM cancellation_refunds r JOIN refunds f ON f.id = r.refund_id
				WHERE r.confirmation_number = :n ORDER BY f.seq
				""").param("n", row.number())
			.query(String.class)
			.list()
			.stream()
			.map(id -> billing.refundById(id).orElseThrow())
			.toList();
		return new Cancellation(row.number(), row.status(), row.mode(), items.stream().map(Cancellation.Item::id).toList(),
				items, row.requestedAt(), row.effectiveAt(), row.refundTotal(), refunds, row.reason(), row.channel(),
				Cancellation.receiptPath(row.number()));
	}

	/** The SCHEDULED cancellations naming a subscription that has ended become EFFECTIVE. */
	void takenEffect(String subscriptionId) {
		jdbc.sql("UPDATE cancellations SET status = 'EFFECTIVE' WHERE subscription_id = :sub AND status = 'SCHEDULED'")
			.param("sub", subscriptionId)
			.update();
	}

	void setStatus(String number, Cancellation.Status status) {
		jdbc.sql("UPDATE cancellations SET status = :status WHERE confirmation_number = :n")
			.param("status", status.name())
			.param("n", number)
			.update();
	}

	/** Whether some SCHEDULED or EFFECTIVE cancellation ends this subscription at or before {@code instant}. */
	boolean endsAtOrBefore(String subscriptionId, Instant instant) {
		return jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM cancellation_items i JOIN cancellations c USING (confirmation_number)
				WHERE i.subscription_id = :sub AND c.status IN ('SCHEDULED', 'EFFECTIVE') AND i.effective_at <= :at)
				""").param("sub", subscriptionId).param("at", Timestamp.from(instant)).query(Boolean.class).single();
	}

	/** A subscription queued for the invariant-1 sweep by a change to its charges or cancellations (V347). */
	record ChargeCheck(long seq, String subscriptionId) {
	}

	/** A charge the invariant-1 sweep refunds, with its subscription. */
	record ChargeToRefund(String id, String subscriptionId) {
	}

	/** The position of the last subscription queued for the invariant-1 sweep, if any is queued. */
	Optional<Long> lastChargeCheck() {
		return jdbc.sql("SELECT seq FROM charges_to_check ORDER BY seq DESC LIMIT 1").query(Long.class).optional();
	}

	/**
	 * The checks queued for the invariant-1 sweep at or before {@code upTo} of the subscriptions of the oldest
	 * {@code limit} ones, all of each such subscription's (an import of many charges queues it once a charge: read
	 * once), as committed now: a change queues its subscription in its own transaction (V347 triggers), so the state
	 * read after this has it.
	 */
	List<ChargeCheck> chargeChecks(long upTo, int limit) {
		return jdbc.sql("""
				SELECT seq, subscription_id FROM charges_to_check
				WHERE seq <= :upTo AND subscription_id IN (
				    SELECT subscription_id FROM charges_to_check WHERE seq <= :upTo ORDER BY seq LIMIT :limit)
				""")
			.param("upTo", upTo)
			.param("limit", limit)
			.query((rs, n) -> new ChargeCheck(rs.getLong(1), rs.getString(2)))
			.list();
	}

	/**
	 * Of these subscriptions, the imported charges with something left to refund whose period starts at or after the
	 * entry of a SCHEDULED or EFFECTIVE cancellation for their subscription (DESIGN invariant 1), oldest first: read from
	 * the state as it is, so a charge that qualifies only once a later cancellation is made, or whose import committed
	 * after later ones, is found all the same when its change is read. Goes along charges_one_success_per_period by
	 * subscription: only the charges of queued subscriptions are read.
	 */
	List<ChargeToRefund> chargesToRefundAfterCancellation(java.util.Collection<String> subscriptionIds) {
		return jdbc.sql("""
				SELECT c.id, c.subscription_id FROM charges c
				WHERE c.subscription_id = ANY(:subscriptions::text[])
				  AND c.origin = 'IMPORT' AND c.status <> 'FAILED' AND c.refunded_amount < c.amount
				  AND EXISTS (SELECT 1 FROM cancellation_items i JOIN cancellations x USING (confirmation_number)
				              WHERE i.subscription_id = c.subscription_id AND x.status IN ('SCHEDULED', 'EFFECTIVE')
				                AND i.effective_at <= c.period_start)
				ORDER BY c.seq
				""")
			.param("subscriptions", subscriptionIds.toArray(String[]::new))
			.query((rs, n) -> new ChargeToRefund(rs.getString(1), rs.getString(2)))
			.list();
	}

	/**
	 * The checks read are done (deleted, and only those: a change queued since waits for its own reading), and the
	 * subscriptions a charge of which could not be refunded now are queued again, behind the rest, for the next run:
	 * one statement.
	 */
	void checked(List<ChargeCheck> checks, java.util.Collection<String> again) {
		jdbc.sql("""
				WITH done AS (DELETE FROM charges_to_check WHERE seq = ANY(:seqs::bigint[]))
				INSERT INTO charges_to_check (subscription_id) SELECT unnest(:again::text[])
				""")
			.param("seqs", checks.stream().map(ChargeCheck::seq).toArray(Long[]::new))
			.param("again", again.toArray(String[]::new))
			.update();
	}

	private static Row map(ResultSet rs, int row) throws SQLException {
		String reason = rs.getString("reason");
		return new Row(rs.getString("confirmation_number"), rs.getString("account_id"), rs.getString("subscription_id"),
				Cancellation.Status.valueOf(rs.getString("status")), Cancellation.Mode.valueOf(rs.getString("mode")),
				rs.getTimestamp("requested_at").toInstant(), rs.getTimestamp("effective_at").toInstant(),
				Money.of(rs.getLong("refund_total"), rs.getString("currency")),
				reason == null ? null : Cancellation.Reason.valueOf(reason),
				CancellationChannel.valueOf(rs.getString("channel")));
	}

	/** Forgets what the customers of a closed account wrote when cancelling; the cancellations themselves stay. */
	void eraseFeedback(String accountId) {
		jdbc.sql("UPDATE cancellations SET feedback = NULL WHERE account_id = :account AND feedback IS NOT NULL")
			.param("account", accountId)
			.update();
	}

}
