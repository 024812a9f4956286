package dev.subdesk.cancellation;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.shared.Money;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class JdbcWithdrawalRepository {

	private static final String INSERT = """
			INSERT INTO withdrawals (reference_number, account_id, subscription_id, order_number, name, email, channel,
			    received_at, confirmation_number, refund_total, currency)
			VALUES (:reference, :account, :subscription, :order, :name, :email, :channel, :at, :number, :refund, :currency)
			""";

	private static final String COLUMNS = """
			SELECT reference_number, account_id, subscription_id, order_number, name, email, channel, received_at,
			       confirmation_number, refund_total, currency FROM withdrawals
			""";

	private static final String ERASE = """
			UPDATE withdrawals SET name = 'Erased customer', email = :tombstone WHERE account_id = :account
			""";

	/**
	 * Another account's withdrawals acknowledged to the address of an account being closed (the portal's form lets a
	 * customer send the acknowledgement to any address): the address goes, the withdrawal stays its owner's.
	 */
	private static final String ERASE_SENT_WITH = """
			UPDATE withdrawals SET email = :tombstone
			WHERE account_id <> :account AND (%s OR %s)
			""".formatted(AccountErasing.sqlTypedWithEmail("email", "received_at"),
			AccountErasing.sqlTypedWhileHeld("email", "received_at"));

	private final JdbcClient jdbc;

	JdbcWithdrawalRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Whether a new withdrawal reference is free; when it is, it stays this transaction's until it ends. */
	boolean take(String reference) {
		jdbc.sql(JdbcCancellationRepository.LOCK_NUMBER).param("number", reference).query().listOfRows();
		return !jdbc.sql("SELECT EXISTS (SELECT 1 FROM withdrawals WHERE reference_number = :reference)")
			.param("reference", reference)
			.query(Boolean.class)
			.single();
	}

	void insert(Withdrawal w) {
		jdbc.sql(INSERT)
			.param("reference", w.referenceNumber())
			.param("account", w.accountId())
			.param("subscription", w.subscriptionId())
			.param("order", w.orderNumber())
			.param("name", w.name())
			.param("email", w.email())
			.param("channel", w.channel().name())
			.param("at", Timestamp.from(w.receivedAt()))
			.param("number", w.confirmationNumber())
			.param("refund", w.refundTotal().amount())
			.param("currency", w.refundTotal().currency())
			.update();
	}

	Optional<Withdrawal> find(String referenceNumber) {
		return jdbc.sql(COLUMNS + " WHERE reference_number = :reference")
			.param("reference", referenceNumber)
			.query(JdbcWithdrawalRepository::map)
			.optional();
	}

	Optional<Withdrawal> forSubscription(String subscriptionId) {
		return jdbc.sql(COLUMNS + " WHERE subscription_id = :subscription")
			.param("subscription", subscriptionId)
			.query(JdbcWithdrawalRepository::map)
			.optional();
	}

	void erase(String accountId, String tombstone) {
		jdbc.sql(ERASE).param("tombstone", tombstone).param("account", accountId).update();
	}

	void eraseSentWith(AccountErasing erasing) {
		jdbc.sql(ERASE_SENT_WITH).params(erasing.params()).param("account", erasing.accountId())
			.param("tombstone", Account.tombstoneEmail(erasing.accountId())).update();
	}

	private static Withdrawal map(ResultSet rs, int row) throws SQLException {
		Instant receivedAt = rs.getTimestamp("received_at").toInstant();
		return new Withdrawal(rs.getString("reference_number"), rs.getString("account_id"), rs.getString("subscription_id"),
				rs.getString("order_number"), rs.getString("name"), rs.getString("email"),
				CancellationChannel.valueOf(rs.getString("channel")), receivedAt, rs.getString("confirmation_number"),
				Money.of(rs.getLong("refund_total"), rs.getString("currency")));
	}
}
