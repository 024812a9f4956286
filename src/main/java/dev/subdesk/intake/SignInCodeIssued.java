package dev.subdesk.intake;

/**
 * A sign-in code ({@code codeId}) was issued for an open account, in the transaction that stores its hash: the code
 * goes to the account's email (a SIGN_IN_CODE notice). It carries the code itself, so it is an in-process event
 * only: never a {@code events.DomainChange}, never in the event log.
 */
public record SignInCodeIssued(String codeId, String accountId, String email, String country, String code) {

	@Override
	public String toString() {
		return "SignInCodeIssued[codeId=%s, accountId=%s]".formatted(codeId, accountId);
	}
}
