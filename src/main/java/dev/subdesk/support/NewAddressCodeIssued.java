package dev.subdesk.support;

import java.time.Instant;

/**
 * A code ({@code codeId}) was issued to the new address an agent is changing an account's email to, after the step-up
 * for that change was confirmed: it goes to {@code newEmail} (a VERIFICATION_CODE notice in the account's language,
 * {@code country}), valid for {@code validMinutes}, until {@code expiresAt}. Its email names no person and no account:
 * nothing but the address itself comes from the caller. In-process only, as {@link VerificationCodeIssued}.
 */
public record NewAddressCodeIssued(String codeId, String accountId, String newEmail, String country, String code,
		int validMinutes, Instant expiresAt) {

	@Override
	public String toString() {
		return "NewAddressCodeIssued[codeId=%s, accountId=%s]".formatted(codeId, accountId);
	}
}
