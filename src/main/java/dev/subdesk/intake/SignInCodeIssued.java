package dev.subdesk.intake;

/**
 * A sign-in code ({@code codeId}) of an open account is to be mailed: the code and its sign-in link's token go to
 * the account's email (a SIGN_IN_CODE notice), and are of no use after {@code expiresAt}. Published once the request
 * that stored the code's hash has committed, off its thread, in the transaction that marks the code notified (so the
 * notice and the mark commit together); or by the safety net, with a new code and link for one whose notice was never
 * written. Or, with no {@code accountId}, for the new account checkout's "I am new here" asked for an address
 * that no account has: to that address, in the language of the country typed with it; the account is opened only once
 * the code or the link proves the address. It carries both, so it is an in-process event only: never a
 * {@code events.DomainChange}, never in the event log.
 */
public record SignInCodeIssued(String codeId, @org.jspecify.annotations.Nullable String accountId, String email,
		String country, String code, String linkToken, java.time.Instant expiresAt) {

	/** The path (and query) of the sign-in link under the service's public address. */
	public String linkPath() {
		return "/portal/sign-in/link?t=" + linkToken;
	}

	@Override
	public String toString() {
		return "SignInCodeIssued[codeId=%s, accountId=%s]".formatted(codeId, accountId);
	}
}
