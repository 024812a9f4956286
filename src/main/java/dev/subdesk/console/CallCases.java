package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/** Every call lives in a case: the one the agent is working on for this account, or a new PHONE case. */
@Component
class CallCases {

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
			.filter(c -> c.accountId().equals(accountId))
			.map(SupportCase::caseNumber)
			.orElseThrow(() -> new SubdeskException(404, "NOT_FOUND",
					"This account has no case " + shortened(caseNumber.strip()) + "; nothing was done")));
	}

	private static String shortened(String text) {
		return text.length() > 20 ? text.substring(0, 20) + "…" : text;
	}

	String continueOrOpen(Account account, @Nullable String caseNumber, String agent) {
		return ofAccount(account.id(), caseNumber).orElseGet(() -> support
			.open(account, "Phone call", "PHONE", null, "Call taken by " + agent)
			.caseNumber());
	}

	void note(String caseNumber, String agent, String text) {
		support.note(caseNumber, agent, text);
	}
}
