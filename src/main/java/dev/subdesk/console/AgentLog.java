package dev.subdesk.console;

import dev.subdesk.billing.Billing;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;

/** Records what an agent saw or did: an audit entry always, and a note in the case when there is one. */
@Component
class AgentLog {

	static final String CHANNEL = "AGENT";

	/** The audit action of an attempt a rule refused. */
	static final String REFUSED = "ACTION_REFUSED";

	private final AuditTrail audit;
	private final Support support;
	private final TransactionOperations transaction;

	private final Billing billing;

	AgentLog(AuditTrail audit, Support support, PlatformTransactionManager transactions, Billing billing) {
		this.audit = audit;
		this.support = support;
		this.transaction = new TransactionTemplate(transactions);
		this.billing = billing;
	}

	/**
	 * Runs an agent's change and the audit entries it writes ({@link #acted}, or the trail itself) in one database
	 * transaction, so that neither commits without the other (DESIGN.md invariant 8). Refunds the change records are
	 * paid back once it has committed, outside the transaction ({@link Billing#recordThenSettle}); what it returns is
	 * as it stood at commit.
	 */
	<T> T inOneTransaction(Supplier<T> work) {
		return billing.recordThenSettle(work);
	}

	/** As {@link #inOneTransaction(Supplier)}, for a change with nothing to return. */
	void inOneTransaction(Runnable work) {
		inOneTransaction(() -> {
			work.run();
			return null;
		});
	}

	/**
	 * Audits a staff member's attempt that their own password, typed again, refused
	 * ({@link dev.subdesk.staff.StaffAccounts#confirmPassword}): {@code ACTION_REFUSED}, naming the action not done and
	 * why. Returns why, as the page says it.
	 */
	String passwordRefused(String member, String action, String target, SubdeskException refusal, String reason) {
		String why = refusal.errors().isEmpty() ? refusal.getMessage()
				: refusal.errors().stream().map(f -> f.message()).collect(java.util.stream.Collectors.joining("; "));
		inOneTransaction(() -> audit.record(member, CHANNEL, REFUSED, target,
				action + " not done: your password: " + why + " (" + refusal.code() + ")", null, reason));
		return why;
	}

	/** A view of personal data: audited, not noted in the case. */
	void viewed(String agent, String what, String target, @Nullable String caseNumber) {
		audit.record(agent, CHANNEL, what, target, null, caseNumber, "caller on the line");
	}

	/**
	 * Does an action on the caller's behalf and records it, in the action's own transaction
	 * ({@link #inOneTransaction}). When a rule refuses it (a card still paying for a
	 * subscription, an account already closed...), nothing was done, and the attempt is recorded as
	 * {@code ACTION_REFUSED} with the rule's answer, in the audit trail and on the case's timeline, so the case
	 * opened for the call does not sit there as if nothing had been tried.
	 *
	 * @return what was done, for the audit entry and the agent's message
	 */
	String perform(String agent, String action, String accountId, @Nullable String caseNumber, String reason,
			Supplier<String> work) {
		return perform(agent, action, accountId, caseNumber, reason, work, detail -> detail);
	}

	/** As {@link #perform(String, String, String, String, String, Supplier)}, with what was done described apart. */
	<T> T perform(String agent, String action, String accountId, @Nullable String caseNumber, String reason,
			Supplier<T> work, Function<T, String> describe) {
		try {
			return inOneTransaction(() -> {
				T done = work.get();
				acted(agent, action, accountId, describe.apply(done), caseNumber, reason);
				return done;
			});
		}
		catch (SubdeskException e) {
			throw refused(agent, action, accountId, caseNumber, reason, e);
		}
	}

	/** Records a refused attempt (see {@link #perform}); returns the refusal to show, naming the case it is on. */
	SubdeskException refused(String agent, String action, String accountId, @Nullable String caseNumber,
			String reason, SubdeskException refusal) {
		String detail = "%s not done: %s (%s)".formatted(action, sentence(refusal.getMessage()), refusal.code());
		transaction.executeWithoutResult(status -> {
			audit.record(agent, CHANNEL, REFUSED, accountId, detail, caseNumber, reason);
			if (caseNumber != null) {
				support.note(caseNumber, agent, detail);
			}
		});
		if (caseNumber == null) {
			return refusal;
		}
		return new SubdeskException(refusal.status(), refusal.code(),
				sentence(refusal.getMessage()) + " Nothing was done; the attempt is noted on case " + caseNumber + ".",
				refusal.errors());
	}

	private static String sentence(@Nullable String text) {
		String t = text == null ? "" : text.strip();
		return t.endsWith(".") ? t : t + ".";
	}

	/**
	 * An action done: audited, and on the case's timeline when there is a case (both or neither), in the transaction
	 * of the action when it runs in one ({@link #inOneTransaction}).
	 */
	void acted(String agent, String action, String accountId, String detail, @Nullable String caseNumber,
			String reason) {
		transaction.executeWithoutResult(status -> {
			audit.record(agent, CHANNEL, action, accountId, detail, caseNumber, reason);
			if (caseNumber != null) {
				support.action(caseNumber, agent, action + ": " + detail);
			}
		});
	}
}
