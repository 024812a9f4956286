package dev.subdesk.console;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.accounts.Account;
import dev.subdesk.shared.SubdeskException;
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

	CallCases(Support support) {
		this.support = support;
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

	String continueOrOpen(Account account, @Nullable String caseNumber, String agent) {
		return continueOrOpen(account, caseNumber, agent, Contact.PHONE);
	}

	/**
	 * The contact's case, assigned to the agent who takes the contact when nobody owns it yet (a new case, or one
	 * from the portal or a public form): the agent resolves it or leaves it open, by choice, when the action is done.
	 * An escalated case nobody owns stays the supervisors' (a lockout's security case among them), whoever names it.
	 * A resolved case is not taken up again (its call is over, and a verification on it no longer counts): a new
	 * contact named with it (the account opened from the case's page) gets a case of its own.
	 */
	String continueOrOpen(Account account, @Nullable String caseNumber, String agent, Contact contact) {
		String number = ofAccount(account.id(), caseNumber)
			.filter(n -> support.find(n).map(c -> c.status() != SupportCase.Status.RESOLVED).orElse(false))
			.orElseGet(() -> support
				.open(account, contact.subject, contact.name(), null, contact.subject + " taken by " + agent)
				.caseNumber());
		support.takeIfFree(number, agent);
		return number;
	}

	/** The case, while it is open and this agent's: the one to resolve or leave open at the end of an action. */
	Optional<SupportCase> ownOpen(@Nullable String caseNumber, String agent) {
		return caseNumber == null ? Optional.empty()
				: support.find(caseNumber)
					.filter(c -> agent.equals(c.owner()) && c.status() != SupportCase.Status.RESOLVED);
	}

	void note(String caseNumber, String agent, String text) {
		support.note(caseNumber, agent, text);
	}
}
