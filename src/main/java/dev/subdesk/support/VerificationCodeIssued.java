package dev.subdesk.support;

/**
 * A step-up code ({@code codeId}) was issued for an agent to confirm a caller, in the transaction that stores its hash:
 * the code goes to the email on file (a VERIFICATION_CODE notice), valid for {@code validMinutes}, until
 * {@code expiresAt}. It carries the code itself, so it is an in-process event only: never a {@code events.DomainChange},
 * never in the event log.
 */
public record VerificationCodeIssued(String codeId, String accountId, String email, String country, String code,
		int validMinutes, java.time.Instant expiresAt) {

	@Override
	public String toString() {
		return "VerificationCodeIssued[codeId=%s, accountId=%s]".formatted(codeId, accountId);
	}
}
