package dev.subdesk.console;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.accounts.Account;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.CallerVerification;
import dev.subdesk.support.CaseRules;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Every contact lives in a case: the one the agent is working on for this account, or a new one with the channel the
 * customer used (phone unless the agent says chat or email).
 */
@Component
class CallCases {

	/** How a customer reaches an agent; WEB and API cases come from the portal and the API themselves. */
	enum Contact {

		PHONE("Phone call"), CHAT("Chat"), EMAIL("Email");

		private final String subject;

		Contact(String subject) {
			this.subject = subject;
		}

		static List<String> names() {
			return Arrays.stream(values()).map(Enum::name).toList();
		}
	}

	private final Support support;
	private final CallerVerification verification;

	CallCases(Support support, CallerVerification verification) {
		this.support = support;
		this.verification = verification;
	}

	/**
	 * The given case, which must be one of this account's: a case number of another account (or of none) is
	 * refused with {@code 404}, before anything is done, rather than silently replaced by a new case.
	 */
	Optional<String> ofAccount(String accountId, @Nullable String caseNumber) {
		if (caseNumber == null || caseNumber.isBlank()) {
			return Optional.empty();
		}
		return Optional.of(support.find(caseNumber)
			.filter(c -> accountId.equals(c.accountId()))
			.map(SupportCase::caseNumber)
			.orElseThrow(() -> new SubdeskException(CommonErrorCode.NOT_FOUND,
					"This account has no case " + shortened(caseNumber.strip()) + "; nothing was done")));
	}

	private static String shortened(String text) {
		return text.length() > 20 ? text.substring(0, 20) + "…" : text;
	}

	/**
	 * The case an action on the account goes on when the agent names {@code caseNumber} (one of the account's, else
	 * {@code 404} as {@link #ofAccount}): that case, unless it is resolved while the agent's live verification of the
	 * caller sits on another case of the account that is open; then that one. An account opened from an old resolved
	 * case's page names the old case in its forms, yet the call being worked is the verified one, and its actions
	 * belong together on its case, not on the old case or on a new one.
	 */
	Optional<String> ofCall(String accountId, @Nullable String caseNumber, String agent) {
		return ofAccount(accountId, caseNumber)
			.map(given -> isOpen(given) ? given : liveCase(accountId, agent).orElse(given));
	}

	/** The open case of the agent's live verification of the account's caller, if there is one. */
	private Optional<String> liveCase(String accountId, String agent) {
		return verification.verifiedCase(accountId, agent)
			.flatMap(support::find)
			.filter(c -> accountId.equals(c.accountId()) && c.status() != SupportCase.Status.RESOLVED)
			.map(SupportCase::caseNumber);
	}

	private boolean isOpen(String caseNumber) {
		return support.find(caseNumber).map(c -> c.status() != SupportCase.Status.RESOLVED).orElse(false);
	}

	String continueOrOpen(Account account, @Nullable String caseNumber, String agent) {
		return continueOrOpen(account, caseNumber, agent, Contact.PHONE);
	}

	/**
	 * The contact's case, assigned to the agent who takes the contact when nobody owns it yet (a new case, or one
	 * from the portal or a public form): the agent resolves it or leaves it open, by choice, when the action is done.
	 * An escalated case nobody owns stays the supervisors' (a lockout's security case among them), whoever names it.
	 * A resolved case is not taken up again (its call is over, and a verification on it no longer counts): a contact
	 * named with it (the account opened from the case's page) goes on the case of the agent's live verification of
	 * the caller when that one is open ({@link #ofCall}), else gets a case of its own. Not for a verification, which
	 * starts a call ({@link #forVerification}).
	 */
	String continueOrOpen(Account account, @Nullable String caseNumber, String agent, Contact contact) {
		return takeOrOpen(ofCall(account.id(), caseNumber, agent), account, agent, contact);
	}

	/**
	 * The case a verification of the account's caller goes on. A verification starts a call: it continues the case
	 * the agent names while that is open (the contact being worked), else gets a case of its own, as {@link
	 * #continueOrOpen} does, except that a resolved case named is not replaced by the case of the agent's previous live
	 * verification ({@link #ofCall}): the caller now verified may not be that call's caller, and their verification,
	 * its outcome and what follows belong on their own call's case.
	 */
	String forVerification(Account account, @Nullable String caseNumber, String agent, Contact contact) {
		return takeOrOpen(ofAccount(account.id(), caseNumber), account, agent, contact);
	}

	private String takeOrOpen(Optional<String> named, Account account, String agent, Contact contact) {
		String number = named.filter(this::isOpen)
			.orElseGet(() -> support
				.open(account, contact.subject, contact.name(), null, contact.subject + " taken by " + agent)
				.caseNumber());
		support.takeIfFree(number, agent);
		return number;
	}

	/**
	 * The case, while it is open and this agent's: the one to resolve or leave open at the end of an action. Not one
	 * in the supervisors' hands ({@link SupportCase#withSupervisors}) unless {@code worker} is a supervisor: its
	 * owner does not resolve that.
	 */
	Optional<SupportCase> ownOpen(@Nullable String caseNumber, CaseRules.Worker worker) {
		return caseNumber == null ? Optional.empty()
				: support.find(caseNumber)
					.filter(c -> worker.username().equals(c.owner()) && c.status() != SupportCase.Status.RESOLVED
							&& (worker.supervisor() || !c.withSupervisors()));
	}

	void note(String caseNumber, String agent, String text) {
		support.note(caseNumber, agent, text);
	}
}
