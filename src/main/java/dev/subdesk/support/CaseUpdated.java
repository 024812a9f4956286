package dev.subdesk.support;

import org.jspecify.annotations.Nullable;

/**
 * A support case with a customer was opened, escalated or resolved, in the transaction that publishes this; the
 * customer is to be told (a CASE_UPDATE notice). {@code subject}: the case's subject; {@code resolution}: what was
 * done, for {@link Update#RESOLVED} only. {@code email} and {@code country}: the account holder's.
 */
public record CaseUpdated(String caseNumber, String accountId, String email, String country, Update update,
		String subject, @Nullable String resolution) {

	public enum Update {
		OPENED, ESCALATED, RESOLVED
	}
}
