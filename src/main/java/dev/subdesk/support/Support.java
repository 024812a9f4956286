package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.Refund;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Support cases and charge disputes. */
@Service
public class Support {

	private static final String COLUMNS = "case_number, account_id, status, subject, channel, created_at";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Billing billing;
	private final Cancellations cancellations;
	private final Accounts accounts;
	private final Notices notices;

	Support(JdbcClient jdbc, Clock clock, Billing billing, Cancellations cancellations, Accounts accounts,
			Notices notices) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.billing = billing;
		this.cancellations = cancellations;
		this.accounts = accounts;
		this.notices = notices;
	}

	/**
	 * Disputes a charge. A charge qualifies when a SCHEDULED or EFFECTIVE cancellation ends its subscription at
	 * or before the charge's period start, whatever the reason given: what is left is refunded at once. Anything
	 * else opens a support case (a repeated dispute returns the open case). A failed charge:
	 * {@code 409 CHARGE_NOT_DISPUTABLE}; an unknown confirmation number: {@code 400}.
	 */
	@Transactional
	public DisputeOutcome dispute(String chargeId, DisputeRequest request) {
		Charge charge = billing.charge(chargeId).orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		String confirmationNumber = request.confirmationNumber();
		if (confirmationNumber != null && cancellations.find(confirmationNumber).isEmpty()) {
			throw SubdeskException.invalid("confirmationNumber", "no cancellation has this confirmation number");
		}
		Account account = accounts.lock(charge.accountId());
		charge = billing.charge(chargeId).orElseThrow();
		if (!charge.successful()) {
			throw SubdeskException.conflict("CHARGE_NOT_DISPUTABLE", "A failed charge moved no money to dispute");
		}
		if (cancellations.cancelledBy(charge.subscriptionId(), charge.periodStart())) {
			Refund refund = charge.remaining().positive()
					? billing.refund(chargeId, null, "Charged after cancellation (dispute)") : null;
			return new DisputeOutcome(DisputeOutcome.Outcome.REFUNDED, refund, null);
		}
		Optional<SupportCase> open = openDisputeCase(chargeId);
		if (open.isPresent()) {
			return new DisputeOutcome(DisputeOutcome.Outcome.UNDER_REVIEW, null, open.get().caseNumber());
		}
		String subject = "Dispute of charge %s (%s)".formatted(chargeId, request.reason());
		SupportCase opened = open(account, subject, request.channel(), chargeId, request.detail());
		return new DisputeOutcome(DisputeOutcome.Outcome.UNDER_REVIEW, null, opened.caseNumber());
	}

	/** Opens a case and tells the customer with a CASE_UPDATE notice. */
	@Transactional
	public SupportCase open(Account account, String subject, String channel, @Nullable String chargeId,
			@Nullable String detail) {
		String number = Ids.caseNumber();
		while (find(number).isPresent()) {
			number = Ids.caseNumber();
		}
		jdbc.sql("""
				INSERT INTO support_cases (case_number, account_id, status, subject, channel, charge_id, detail, created_at)
				VALUES (:number, :account, 'OPEN', :subject, :channel, :charge, :detail, :at)
				""")
			.param("number", number)
			.param("account", account.id())
			.param("subject", subject)
			.param("channel", channel)
			.param("charge", chargeId)
			.param("detail", detail)
			.param("at", Timestamp.from(clock.instant()))
			.update();
		notices.send(account.id(), account.email(), NoticeType.CASE_UPDATE, "Case %s opened: %s".formatted(number, subject),
				"""
						We have opened support case %s for you: %s.
						A person from Acme support will look at it and answer you by email. Please quote the \
						case number if you contact us.""".formatted(number, subject), number);
		return find(number).orElseThrow();
	}

	@Transactional(readOnly = true)
	public Optional<SupportCase> find(String caseNumber) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM support_cases WHERE case_number = :number")
			.param("number", Ids.normalizeNumber(caseNumber))
			.query(Support::map)
			.optional();
	}

	private Optional<SupportCase> openDisputeCase(String chargeId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM support_cases WHERE charge_id = :charge AND status <> 'RESOLVED'")
			.param("charge", chargeId)
			.query(Support::map)
			.optional();
	}

	private static SupportCase map(ResultSet rs, int row) throws SQLException {
		return new SupportCase(rs.getString("case_number"), rs.getString("account_id"),
				SupportCase.Status.valueOf(rs.getString("status")), rs.getString("subject"), rs.getString("channel"),
				rs.getTimestamp("created_at").toInstant());
	}
}
