package dev.subdesk.accounts;

/**
 * An account is being closed, and {@code email} is about to be erased: published in the closing transaction just
 * before, for synchronous listeners to erase what was typed with that address where no account id says whose it is
 * (a public form sent with it about someone else's contract). {@code previousEmailHashes}: the addresses the account
 * had before, by {@link Account#emailHash} (match them with {@link Account#SQL_EMAIL_HASH}), whose traces go too. It
 * holds personal data, so it stays in process: it must never get a transactional or asynchronous listener, which
 * would store it with the event publications.
 */
public record AccountErasing(String accountId, String email, java.util.List<String> previousEmailHashes) {

	/** {@link #previousEmailHashes} as the array a SQL {@code = ANY(:hashes::text[])} takes. */
	public String[] previousEmailHashArray() {
		return previousEmailHashes.toArray(String[]::new);
	}
}
