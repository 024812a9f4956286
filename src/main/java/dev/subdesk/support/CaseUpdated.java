package dev.subdesk.support;

import org.jspecify.annotations.Nullable;

/**
 * A support case with a customer was opened or changed status (escalated, set to wait for the customer, reopened,
 * resolved), in the transaction that publishes this; the customer is to be told (a CASE_UPDATE notice, API.md).
 * {@code subject}: the case's subject; {@code resolution}: what staff wrote, for {@link Update#RESOLVED} what was done
 * and for {@link Update#WAITING_FOR_CUSTOMER} what is awaited, null otherwise; never anything a customer or a
 * stranger typed. {@code email} and {@code country}: the account holder's.
 */
public record CaseUpdated(String caseNumber, String accountId, String email, String country, Update update,
		String subject, @Nullable String resolution) {

	public enum Update {
		OPENED, ESCALATED, WAITING_FOR_CUSTOMER, REOPENED, RESOLVED
	}
}
