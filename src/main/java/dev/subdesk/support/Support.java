package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.Refund;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Support cases and charge disputes. */
@Service
public class Support {

	/**
	 * Whether a case is internal ({@link SupportCase#internal}): it has a reference, which only {@link
	 * #openOrAddForStaff} writes (V770), so every case with one was opened for staff only, and stays so (the reference
	 * is never cleared). Whoever writes a reference on another kind of case must keep this true, or mark internal-ness
	 * otherwise.
	 */
	private static final String INTERNAL = "reference IS NOT NULL";

	private static final String COLUMNS = """
			case_number, account_id, status, subject, channel, created_at, priority, owner, sla_due_at,
			escalation_reason, updated_at, waiting_after_escalation, %s AS internal""".formatted(INTERNAL);

	/** What a closed account's case keeps in place of the customer's own words. */
	static final String ERASED_DETAIL = "Erased when the account was closed";

	/** How long a case may wait for an answer, by priority (the service level). */
	static java.time.Duration slaFor(SupportCase.Priority priority) {
		return switch (priority) {
			case URGENT -> java.time.Duration.ofHours(1);
			case HIGH -> java.time.Duration.ofHours(4);
			case NORMAL -> java.time.Duration.ofHours(24);
			case LOW -> java.time.Duration.ofHours(72);
		};
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Billing billing;
	private final Cancellations cancellations;
	private final Accounts accounts;
	private final AuditTrail audit;
	private final ApplicationEventPublisher events;

	Support(JdbcClient jdbc, Clock clock, Billing billing, Cancellations cancellations, Accounts accounts,
			AuditTrail audit, ApplicationEventPublisher events) {
		this.events = events;
		this.audit = audit;
		this.jdbc = jdbc;
		this.clock = clock;
		this.billing = billing;
		this.cancellations = cancellations;
		this.accounts = accounts;
	}

	/**
	 * Disputes a charge. A charge qualifies when a SCHEDULED or EFFECTIVE cancellation ends its subscription at
	 * or before the charge's period start, whatever the reason given: what is left is refunded at once. Anything
	 * else opens a support case (a repeated dispute returns the open case). A failed charge:
	 * {@code 409 CHARGE_NOT_DISPUTABLE}; an unknown confirmation number: {@code 400}.
	 */
	public DisputeOutcome dispute(String chargeId, DisputeRequest request) {
		DisputeOutcome outcome = billing.recordThenSettle(() -> disputeLocked(chargeId, request));
		Refund refund = outcome.refund();
		return refund == null ? outcome
				: new DisputeOutcome(outcome.outcome(), billing.refundById(refund.id()).orElseThrow(), outcome.caseNumber());
	}

	private DisputeOutcome disputeLocked(String chargeId, DisputeRequest request) {
		Charge charge = billing.charge(chargeId).orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		String confirmationNumber = request.confirmationNumber();
		if (confirmationNumber != null && cancellations.find(confirmationNumber).isEmpty()) {
			throw SubdeskException.invalid("confirmationNumber", "no cancellation has this confirmation number");
		}
		Account account = accounts.lock(charge.accountId());
		charge = billing.charge(chargeId).orElseThrow();
		if (!charge.successful()) {
			throw SubdeskException.of(SupportErrorCode.CHARGE_NOT_DISPUTABLE, "A failed charge moved no money to dispute");
		}
		if (cancellations.cancelledBy(charge.subscriptionId(), charge.periodStart())) {
			// what is left once the charge is locked: a refund that took the rest meanwhile leaves nothing (refund null)
			Refund refund = charge.remaining().positive()
					? billing.recordRefundOfRemaining(chargeId, "Charged after cancellation (dispute)", clock.instant())
						.orElse(null)
					: null;
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
		SupportCase.Priority priority = chargeId != null ? SupportCase.Priority.HIGH : SupportCase.Priority.NORMAL;
		String number = insert(account.id(), subject, channel, chargeId, detail, priority);
		events.publishEvent(new CaseUpdated(number, account.id(), account.email(), account.country(),
				CaseUpdated.Update.OPENED, subject, null));
		return changed(EventType.CASE_OPENED, number);
	}

	/**
	 * Opens a case straight in the supervisors' queue: ESCALATED with {@code reason}, HIGH priority, owned by nobody,
	 * so that no agent takes it ({@link CaseRules#mayTake}); for what an agent must not judge alone, such as a caller
	 * locked out after failed verifications. The customer is told once, that it was opened.
	 */
	@Transactional
	public SupportCase openEscalated(Account account, String subject, String channel, String detail, String reason) {
		String number = insert(account.id(), subject, channel, null, detail, SupportCase.Priority.HIGH);
		jdbc.sql("UPDATE support_cases SET status = 'ESCALATED', escalation_reason = :reason WHERE case_number = :number")
			.param("reason", reason)
			.param("number", number)
			.update();
		timeline(number, "system", "STATUS", "Escalated to a supervisor: " + reason);
		events.publishEvent(new CaseUpdated(number, account.id(), account.email(), account.country(),
				CaseUpdated.Update.OPENED, subject, null));
		return changed(EventType.CASE_OPENED, number);
	}

	/**
	 * Opens a case that belongs to no account yet (a store purchase whose account token matches no account): it
	 * waits in the queue for an agent to find the customer; nobody is told, as there is nobody to tell.
	 */
	@Transactional
	public SupportCase openUnmatched(String subject, String channel, String detail) {
		String number = insert(null, subject, channel, null, detail, SupportCase.Priority.NORMAL);
		return changed(EventType.CASE_OPENED, number);
	}

	/**
	 * Opens a case on the account for work only staff do, that the customer is not told about (no CASE_UPDATE notice),
	 * such as a store's refund whose subscription an agent must find out; or, while a case opened so with the same
	 * {@code reference} is not resolved, adds to that one. {@code reference} names what the case is about, the same
	 * each time (a hash of a store purchase's token, never text the customer could read: it is kept apart from the
	 * subject and detail). {@code about} opens the detail, and each {@code item} (one occurrence, such as one order)
	 * is a line of it and a note on the timeline. Being the account's, the case is masked in the console as its other
	 * cases are, and its detail and notes are erased when the account is closed: pass ids, no personal data. The case
	 * is {@link SupportCase#internal} for good: escalating, resolving or reopening it tells the customer nothing either,
	 * and it does not wait for the customer.
	 */
	@Transactional
	public SupportCase openOrAddForStaff(String accountId, String reference, String subject, String channel,
			String about, String item) {
		Optional<String> open = jdbc.sql("""
				SELECT case_number FROM support_cases
				WHERE reference = :reference AND account_id = :account AND status <> 'RESOLVED'
				FOR UPDATE""")
			.param("reference", reference)
			.param("account", accountId)
			.query(String.class)
			.optional();
		if (open.isPresent()) {
			String number = open.get();
			jdbc.sql("UPDATE support_cases SET detail = coalesce(detail || E'\\n', '') || :item WHERE case_number = :number")
				.param("item", item)
				.param("number", number)
				.update();
			timeline(number, "system", "NOTE", item);
			return find(number).orElseThrow();
		}
		String number = insert(accountId, subject, channel, null, about + "\n" + item, SupportCase.Priority.NORMAL);
		jdbc.sql("UPDATE support_cases SET reference = :reference WHERE case_number = :number")
			.param("reference", reference)
			.param("number", number)
			.update();
		timeline(number, "system", "NOTE", item);
		return changed(EventType.CASE_OPENED, number);
	}

	/** Records a new OPEN case with a fresh number and its OPENED timeline entry; returns the number. */
	private String insert(@Nullable String accountId, String subject, String channel, @Nullable String chargeId,
			@Nullable String detail, SupportCase.Priority priority) {
		Instant now = clock.instant();
		String number = Ids.claim(Ids::caseNumber, drawn -> jdbc.sql("""
				INSERT INTO support_cases (case_number, account_id, status, subject, channel, charge_id, detail, created_at,
				                           priority, sla_due_at, updated_at)
				VALUES (:number, :account, 'OPEN', :subject, :channel, :charge, :detail, :at, :priority, :due, :at)
				ON CONFLICT (case_number) DO NOTHING
				""")
			.param("number", drawn)
			.param("account", accountId)
			.param("subject", subject)
			.param("channel", channel)
			.param("charge", chargeId)
			.param("detail", detail)
			.param("at", Timestamp.from(now))
			.param("priority", priority.name())
			.param("due", Timestamp.from(now.plus(slaFor(priority))))
			.update() == 1);
		timeline(number, "system", "OPENED", "Opened through " + channel + ": " + subject);
		return number;
	}

	/**
	 * Escalates a case to a supervisor with a reason; the customer gets a CASE_UPDATE notice and the case joins
	 * the supervisors' queue, ordered by its service-level due time.
	 */
	@Transactional
	public SupportCase escalate(String caseNumber, String reason, String actor) {
		SupportCase c = lock(caseNumber);
		if (c.status() == SupportCase.Status.RESOLVED || c.status() == SupportCase.Status.ESCALATED) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_ESCALATABLE, "Case " + c.caseNumber() + " is " + c.status());
		}
		jdbc.sql("""
				UPDATE support_cases SET status = 'ESCALATED', escalation_reason = :reason, updated_at = :at,
				    priority = CASE WHEN priority IN ('LOW', 'NORMAL') THEN 'HIGH' ELSE priority END
				WHERE case_number = :number
				""").param("reason", reason).param("at", Timestamp.from(clock.instant())).param("number", c.caseNumber()).update();
		timeline(c.caseNumber(), actor, "STATUS", "Escalated to a supervisor: " + reason);
		tellCustomer(c, CaseUpdated.Update.ESCALATED, null);
		return changed(EventType.CASE_UPDATED, c.caseNumber());
	}

	/** Resolves a case with what was done; the customer gets a CASE_UPDATE notice. */
	@Transactional
	public SupportCase resolve(String caseNumber, String resolution, String actor) {
		SupportCase c = lock(caseNumber);
		if (c.status() == SupportCase.Status.RESOLVED) {
			throw SubdeskException.of(SupportErrorCode.CASE_RESOLVED, "Case " + c.caseNumber() + " is already resolved");
		}
		jdbc.sql("UPDATE support_cases SET status = 'RESOLVED', updated_at = :at, resolved_at = :at WHERE case_number = :number")
			.param("at", Timestamp.from(clock.instant()))
			.param("number", c.caseNumber())
			.update();
		timeline(c.caseNumber(), actor, "STATUS", "Resolved: " + resolution);
		tellCustomer(c, CaseUpdated.Update.RESOLVED, resolution);
		String accountId = c.accountId();
		if (accountId != null && accounts.find(accountId).map(Account::closed).orElse(false)) {
			// written after the closure (a dispute of a charge, its notes): nothing erased it; done with, it goes now,
			// just before the commit, so that what the caller writes about the resolution (its audit entry) goes too
			org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
					new org.springframework.transaction.support.TransactionSynchronization() {

						@Override
						public void beforeCommit(boolean readOnly) {
							eraseClosedAccountsWords(accountId);
						}
					});
		}
		return changed(EventType.CASE_UPDATED, c.caseNumber());
	}

	/**
	 * Marks a case as waiting for the customer (from OPEN or ESCALATED), with what is awaited; it leaves the
	 * supervisors' queue until it is reopened, and an escalated one goes back to it then. The customer gets a
	 * CASE_UPDATE notice saying what is awaited (staff's words). An internal case ({@link SupportCase#internal}), which
	 * the customer does not know about, does not wait for them: {@code 409 CASE_NOT_OPEN}.
	 */
	@Transactional
	public SupportCase awaitCustomer(String caseNumber, String awaited, String actor) {
		SupportCase c = lock(caseNumber);
		if (c.internal()) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_OPEN, "Case " + c.caseNumber()
					+ " is internal: the customer has not been told about it, so it does not wait for them; resolve or"
					+ " escalate it");
		}
		if (c.status() != SupportCase.Status.OPEN && c.status() != SupportCase.Status.ESCALATED) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_OPEN, "Case " + c.caseNumber() + " is " + c.status());
		}
		jdbc.sql("""
				UPDATE support_cases SET status = 'PENDING_CUSTOMER', waiting_after_escalation = (status = 'ESCALATED'),
				    updated_at = :at
				WHERE case_number = :number
				""").param("at", Timestamp.from(clock.instant())).param("number", c.caseNumber()).update();
		timeline(c.caseNumber(), actor, "STATUS", "Waiting for the customer: " + awaited);
		tellCustomer(c, CaseUpdated.Update.WAITING_FOR_CUSTOMER, awaited);
		return changed(EventType.CASE_UPDATED, c.caseNumber());
	}

	/**
	 * Opens a resolved or waiting case again, with a fresh service-level due time from now; the reason goes on
	 * the timeline (not in the customer's CASE_UPDATE notice, which only says that the case is open again). A case
	 * that was ever escalated (it has an escalation reason: resolved while escalated, or after waiting for the customer
	 * once escalated) is ESCALATED again: neither waiting nor a resolution takes it off the supervisors' hands, so that
	 * its owner cannot reopen it and then work it as an ordinary case; only a supervisor does ({@link #returnToAgents}).
	 * A resolved case whose disputed charge, or whose internal case's reference, another open case handles now (one open
	 * case each) is {@code 409 CASE_NOT_REOPENABLE}, naming that case.
	 */
	@Transactional
	public SupportCase reopen(String caseNumber, String reason, String actor) {
		SupportCase c = lock(caseNumber);
		if (c.status() != SupportCase.Status.RESOLVED && c.status() != SupportCase.Status.PENDING_CUSTOMER) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_REOPENABLE, "Case " + c.caseNumber() + " is " + c.status());
		}
		if (c.status() == SupportCase.Status.RESOLVED) {
			// one open case at a time per disputed charge and per internal case's reference: name the one to work on
			Optional<String> other = openCaseOfTheSameThing(c.caseNumber());
			if (other.isPresent()) {
				throw notReopenable(c, other.get());
			}
		}
		Instant now = clock.instant();
		try {
			jdbc.sql("""
					UPDATE support_cases
					SET status = CASE WHEN escalation_reason IS NOT NULL
					                    OR (status = 'PENDING_CUSTOMER' AND waiting_after_escalation) THEN 'ESCALATED'
					                  ELSE 'OPEN' END,
					    waiting_after_escalation = false, resolved_at = NULL, sla_due_at = :due, updated_at = :at
					WHERE case_number = :number
					""").param("due", Timestamp.from(now.plus(slaFor(c.priority())))).param("at", Timestamp.from(now))
				.param("number", c.caseNumber()).update();
		}
		catch (org.springframework.dao.DuplicateKeyException e) {
			// the other case opened after the check above, and committed: this transaction can no longer read its number
			throw notReopenable(c, null);
		}
		timeline(c.caseNumber(), actor, "STATUS", "Reopened: " + reason);
		tellCustomer(c, CaseUpdated.Update.REOPENED, null);
		return changed(EventType.CASE_UPDATED, c.caseNumber());
	}

	/**
	 * Hands an escalated case back to the agents, a supervisor's decision ({@link CaseRules#returnable}): it needs no
	 * supervisor after all. It is OPEN again with its owner (or nobody, for whoever may take it), out of the supervisors'
	 * queue, and an ordinary case from then on: its escalation reason goes (the timeline keeps the escalation and, naming
	 * the supervisor, the return with {@code note}), so that reopening it later makes it OPEN, not ESCALATED again; its
	 * priority and service-level due time stay. The customer is not told: who works the case is no news to them (no
	 * CASE_UPDATE notice). A case not ESCALATED: {@code 409 CASE_NOT_ESCALATABLE}; so is an escalated case nobody
	 * owns, such as the security case {@link #openEscalated} opens when caller verification locks: returned, it would
	 * be any agent's to take and close, the one whose attempts locked it included. A supervisor who takes it may work it.
	 */
	@Transactional
	public SupportCase returnToAgents(String caseNumber, String note, String actor) {
		SupportCase c = lock(caseNumber);
		if (c.status() != SupportCase.Status.ESCALATED) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_ESCALATABLE, "Case " + c.caseNumber() + " is "
					+ c.status() + ": it is not escalated, so there is nothing to hand back to the agents");
		}
		if (c.owner() == null) {
			throw SubdeskException.of(SupportErrorCode.CASE_NOT_ESCALATABLE, "Case " + c.caseNumber()
					+ " has no owner: an escalated case nobody owns stays with the supervisors (take it to work it)");
		}
		jdbc.sql("""
				UPDATE support_cases SET status = 'OPEN', escalation_reason = NULL, waiting_after_escalation = false,
				    updated_at = :at
				WHERE case_number = :number
				""").param("at", Timestamp.from(clock.instant())).param("number", c.caseNumber()).update();
		timeline(c.caseNumber(), actor, "STATUS", RETURNED + ": " + note);
		return changed(EventType.CASE_UPDATED, c.caseNumber());
	}

	/** How a case's timeline says that a supervisor handed it back to the agents ({@link #returnToAgents}). */
	private static final String RETURNED = "Returned to the agents";

	/**
	 * Another case not resolved about what the resolved case {@code caseNumber} is about: a dispute of the same charge
	 * (support_cases_open_dispute), or an internal case with the same reference (support_cases_open_reference, V771).
	 */
	private Optional<String> openCaseOfTheSameThing(String caseNumber) {
		return jdbc.sql("""
				SELECT o.case_number FROM support_cases c JOIN support_cases o
				  ON o.case_number <> c.case_number AND o.status <> 'RESOLVED'
				 AND (o.charge_id = c.charge_id OR o.reference = c.reference)
				WHERE c.case_number = :number
				LIMIT 1""")
			.param("number", caseNumber)
			.query(String.class)
			.optional();
	}

	/**
	 * {@code 409 CASE_NOT_REOPENABLE}: another open case ({@code other}, when known) handles what {@code c} is about; an
	 * internal case's words name no dispute ({@link SupportCase#internal}: its reference is what it tracks).
	 */
	private static SubdeskException notReopenable(SupportCase c, @Nullable String other) {
		String named = other == null ? "" : ": " + other;
		return SubdeskException.of(SupportErrorCode.CASE_NOT_REOPENABLE, c.internal()
				? "Case " + c.caseNumber() + " cannot be reopened. Another open case already tracks this" + named
						+ "; work on that one"
				: "Case " + c.caseNumber() + " is about a disputed charge that another open case handles now" + named
						+ "; work on that one");
	}

	/**
	 * Makes {@code owner} the owner of the case when nobody owns it and it is neither resolved nor in the supervisors'
	 * hands (an escalated case nobody owns waits for a supervisor, see {@link CaseRules#mayTake}); else changes nothing.
	 * Decided on the case's locked row.
	 */
	@Transactional
	public void takeIfFree(String caseNumber, String owner) {
		SupportCase c = lock(caseNumber);
		if (c.owner() == null && c.status() != SupportCase.Status.RESOLVED && !c.withSupervisors()) {
			assign(c.caseNumber(), owner, owner);
		}
	}

	/** Makes {@code owner} the case's owner (taking it over from anyone who had it). */
	@Transactional
	public SupportCase assign(String caseNumber, String owner, String actor) {
		SupportCase c = lock(caseNumber);
		if (owner.equals(c.owner())) {
			return c;
		}
		jdbc.sql("UPDATE support_cases SET owner = :owner, updated_at = :at WHERE case_number = :number")
			.param("owner", owner).param("at", Timestamp.from(clock.instant())).param("number", c.caseNumber()).update();
		timeline(c.caseNumber(), actor, "STATUS", c.owner() == null ? "Owner: " + owner
				: "Owner: " + owner + " (taken over from " + c.owner() + ")");
		return find(c.caseNumber()).orElseThrow();
	}

	/** The case after a change, whose event is recorded in the change's transaction (DESIGN.md invariant 12). */
	private SupportCase changed(EventType type, String caseNumber) {
		SupportCase after = find(caseNumber).orElseThrow();
		events.publishEvent(new DomainChange(type, after));
		return after;
	}

	/**
	 * A closed account's cases keep their numbers, subjects and timelines; what the customer wrote (a public form's
	 * name, email and text, a dispute's detail) is erased with the account's other personal data, in the closing
	 * transaction.
	 */
	@EventListener
	void on(AccountClosed closed) {
		eraseClosedAccountsWords(closed.accountId());
	}

	/**
	 * Erases what the customer and staff wrote on a closed account's cases (see {@link #on(AccountClosed)}): at the
	 * closure, and again each time a case of the closed account is resolved, for what was written after the closure
	 * (a dispute's detail, an agent's notes on it). What was erased before stays erased.
	 */
	private void eraseClosedAccountsWords(String accountId) {
		jdbc.sql("""
				UPDATE support_cases SET detail = :erased WHERE account_id = :account AND detail IS NOT NULL
				  AND detail <> :erased""")
			.param("erased", ERASED_DETAIL)
			.param("account", accountId)
			.update();
		jdbc.sql(ERASE_ESCALATION_REASONS).param("erased", ERASED_DETAIL).param("account", accountId).update();
		jdbc.sql(ERASE_TIMELINE_TEXT).param("account", accountId).update();
		jdbc.sql(ERASE_APPROVAL_TEXT).param("erased", ERASED_DETAIL).param("account", accountId).update();
		audit.eraseAbout(accountId, jdbc.sql("SELECT case_number FROM support_cases WHERE account_id = :account")
			.param("account", accountId).query(String.class).list());
	}

	/**
	 * The detail of another account's case opened by a public form that a closing account's customer sent about that
	 * account's contract, with the account's email or one it had before, while the account had it (not another account's
	 * customer's case typed with the same address while they held it): it repeats the name and the email typed, on
	 * lines of their own.
	 */
	@EventListener
	void on(AccountErasing erasing) {
		jdbc.sql("""
				UPDATE support_cases SET detail = :erased
				WHERE ((EXISTS (
				        SELECT 1 FROM regexp_matches(detail, '^(?:email|confirmation to): (.*)$', 'gni') AS line(m)
				        WHERE %s = %s)
				       AND %s)
				       OR (cardinality(:previousHashes::text[]) > 0 AND channel = 'WEB' AND EXISTS (
				           SELECT 1 FROM regexp_matches(detail, '^(?:Email|Confirmation to): (.*)$', 'gn') AS line(m)
				           WHERE %s)))
				  AND detail <> :erased
				""".formatted(dev.subdesk.shared.EmailAddresses.sqlKey("line.m[1]"),
					dev.subdesk.shared.EmailAddresses.sqlKey(":email"),
					AccountErasing.sqlWhileHoldingEmail("support_cases.created_at"),
					AccountErasing.sqlTypedWhileHeld("line.m[1]", "support_cases.created_at")))
			.param("erased", ERASED_DETAIL)
			.params(erasing.params())
			.update();
	}

	/** What a case opened by a stranger's public request keeps in place of what the stranger typed. */
	static final String STRANGERS_DETAIL_ERASED = "Erased after 90 days: the request was not sent with the account's email";

	/**
	 * Erases the detail of cases opened by public requests that someone sent about an account without its email (a
	 * stranger's name, email and confirmation address, on the account holder's case), once their 90 days are over
	 * (intake's retention). The case keeps its number, subject and timeline.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void eraseStrangersWords(java.util.Collection<String> caseNumbers) {
		if (caseNumbers.isEmpty()) {
			return;
		}
		jdbc.sql("""
				UPDATE support_cases SET detail = :erased
				WHERE case_number = ANY(:numbers::text[]) AND detail IS NOT NULL AND detail <> :erased
				  AND detail <> :closed""")
			.param("erased", STRANGERS_DETAIL_ERASED)
			.param("closed", ERASED_DETAIL)
			.param("numbers", caseNumbers.toArray(String[]::new))
			.update();
	}

	/**
	 * The line of a case opened by a public cancellation request that named the address its confirmation went to, once
	 * that address is erased ({@link #eraseConfirmationAddress}).
	 */
	public static final String CONFIRMATION_ADDRESS_ERASED = "Confirmation to: (address erased after 90 days)";

	/**
	 * Replaces the line {@code Confirmation to: <address>} of the case's detail (its own line, the address as the
	 * request had it) by {@link #CONFIRMATION_ADDRESS_ERASED}, when intake's retention erases from the public
	 * cancellation request that opened the case a confirmation address that was not the owner's (after 90 days). The
	 * rest of the detail stays as long as the request's other words do; a detail already erased is left as it is.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void eraseConfirmationAddress(String caseNumber, String address) {
		jdbc.sql("""
				UPDATE support_cases
				SET detail = array_to_string(array_replace(string_to_array(detail, E'\\n'), :line, :erased), E'\\n')
				WHERE case_number = :number AND :line = ANY(string_to_array(detail, E'\\n'))""")
			.param("line", "Confirmation to: " + address)
			.param("erased", CONFIRMATION_ADDRESS_ERASED)
			.param("number", Ids.normalizeNumber(caseNumber))
			.update();
	}

	private static final String ERASE_ESCALATION_REASONS = """
			UPDATE support_cases SET escalation_reason = :erased
			WHERE account_id = :account AND escalation_reason IS NOT NULL AND escalation_reason <> :erased
			""";

	/**
	 * What staff wrote on a closed account's timelines (notes, the words after an action's or a status change's
	 * name) often repeats what the customer said; it goes, and who did what and when stays. Lines the system writes
	 * from numbers and subjects (opened, notice sent, owner) stay as they are.
	 */
	private static final String ERASE_TIMELINE_TEXT = """
			UPDATE case_events e SET text = CASE
			    WHEN e.kind = 'NOTE' THEN 'Note erased when the account was closed'
			    ELSE split_part(e.text, ': ', 1) || ': (erased when the account was closed)' END
			FROM support_cases c
			WHERE c.case_number = e.case_number AND c.account_id = :account
			  AND (e.kind = 'NOTE'
			       OR (e.kind = 'ACTION' AND e.text ~ '^[A-Z_]+: ')
			       OR (e.kind = 'STATUS'
			           AND e.text ~ '^(Escalated to a supervisor|Resolved|Waiting for the customer|Reopened|%s): '))
			  AND e.text NOT LIKE '%%erased when the account was closed%%'
			""".formatted(RETURNED);

	/** A goodwill refund request keeps its amount, charge, people and outcome; the words typed for it go. */
	private static final String ERASE_APPROVAL_TEXT = """
			UPDATE refund_approvals SET reason = :erased,
			    decision_note = CASE WHEN decision_note IS NULL THEN NULL ELSE :erased END
			WHERE account_id = :account AND (reason <> :erased OR decision_note <> :erased)
			""";

	/** Adds a note to a case's timeline. */
	@Transactional
	public void note(String caseNumber, String actor, String text) {
		SupportCase c = lock(caseNumber);
		timeline(c.caseNumber(), actor, "NOTE", text);
	}

	/** Adds an action taken on the customer's behalf to a case's timeline. */
	@Transactional
	public void action(String caseNumber, String actor, String text) {
		SupportCase c = lock(caseNumber);
		timeline(c.caseNumber(), actor, "ACTION", text);
	}

	/** The supervisors' queue: escalated cases, the most urgent service-level due time first. */
	@Transactional(readOnly = true)
	public java.util.List<SupportCase> supervisorQueue() {
		return jdbc.sql("SELECT " + COLUMNS + " FROM support_cases WHERE status = 'ESCALATED' ORDER BY sla_due_at, seq")
			.query(Support::map)
			.list();
	}

	/** One entry of a case's timeline. */
	public record TimelineEntry(Instant at, String actor, String kind, String text) {
	}

	@Transactional(readOnly = true)
	public java.util.List<TimelineEntry> timeline(String caseNumber) {
		return jdbc.sql("SELECT at, actor, kind, text FROM case_events WHERE case_number = :number ORDER BY id")
			.param("number", Ids.normalizeNumber(caseNumber))
			.query((rs, n) -> new TimelineEntry(rs.getTimestamp("at").toInstant(), rs.getString("actor"),
					rs.getString("kind"), rs.getString("text")))
			.list();
	}

	private void timeline(String caseNumber, String actor, String kind, String text) {
		jdbc.sql("INSERT INTO case_events (case_number, at, actor, kind, text) VALUES (:number, :at, :actor, :kind, :text)")
			.param("number", caseNumber)
			.param("at", Timestamp.from(clock.instant()))
			.param("actor", actor)
			.param("kind", kind)
			.param("text", text)
			.update();
	}

	/**
	 * Tells the customer about the case (a CASE_UPDATE notice, from {@link CaseUpdated}), if it has a customer yet and
	 * is not internal ({@link SupportCase#internal}: the customer was never told about it); {@code resolution}: what
	 * staff wrote for the notice (see {@link CaseUpdated}).
	 */
	private void tellCustomer(SupportCase c, CaseUpdated.Update update, @Nullable String resolution) {
		String accountId = c.accountId();
		if (c.internal()) {
			timeline(c.caseNumber(), "system", "NOTICE", "Customer not told (an internal case): " + update);
			return;
		}
		if (accountId == null) {
			timeline(c.caseNumber(), "system", "NOTICE", "No customer to tell yet: " + update);
			return;
		}
		Account account = accounts.get(accountId);
		events.publishEvent(new CaseUpdated(c.caseNumber(), account.id(), account.email(), account.country(), update,
				c.subject(), resolution));
	}

	/**
	 * Records on the case's timeline the CASE_UPDATE notice its customer was sent about a change of status (an
	 * escalation, a wait for the customer, a reopening, a resolution), by the notice's subject as sent (in the customer's language). The notices module calls this in the
	 * case change's transaction once it has stored the notice of a {@link CaseUpdated}, so the timeline names only a
	 * notice that was stored. An opening's notice is not repeated there: the timeline's OPENED line names the case.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void noticeSent(CaseUpdated updated, String subject) {
		if (updated.update() != CaseUpdated.Update.OPENED) {
			timeline(updated.caseNumber(), "system", "NOTICE", "CASE_UPDATE sent: " + subject);
		}
	}

	/** Locks the case's row for the rest of the transaction; {@code 404} for an unknown case. */
	SupportCase lock(String caseNumber) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM support_cases WHERE case_number = :number FOR UPDATE")
			.param("number", Ids.normalizeNumber(caseNumber))
			.query(Support::map)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
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
				rs.getTimestamp("created_at").toInstant(), SupportCase.Priority.valueOf(rs.getString("priority")),
				rs.getString("owner"), rs.getTimestamp("sla_due_at").toInstant(), rs.getString("escalation_reason"),
				rs.getTimestamp("updated_at").toInstant(), rs.getBoolean("waiting_after_escalation"),
				rs.getBoolean("internal"));
	}
}
