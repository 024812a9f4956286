package dev.subdesk.accounts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An account is being closed, and {@code email} is about to be erased: published in the closing transaction just
 * before, for synchronous listeners to erase what was typed with that address where no account id says whose it is
 * (a public form sent with it about someone else's contract). {@code previousEmails}: the addresses the account had
 * before, by {@link Account#SQL_EMAIL_HASH}, each with the time the account held it, whose traces from that time go too
 * (match them with {@link #sqlTypedWhileHeld}: an address given up is free for anyone else, and what its next holder
 * typed with it is theirs). It holds personal data, so it stays in process: it must never get a transactional or
 * asynchronous listener, which would store it with the event publications.
 */
public record AccountErasing(String accountId, String email, List<PreviousEmail> previousEmails) {

	/**
	 * An address the account had, by its hash, held from {@code heldFrom} to {@code heldUntil}, both included
	 * (instants are whole seconds: the second of a change counts as the leaving account's).
	 */
	public record PreviousEmail(String sha256, Instant heldFrom, Instant heldUntil) {
	}

	/**
	 * The SQL condition that the address in the text column or expression {@code address}, stored at the instant in
	 * {@code at}, was typed with one of the {@link #previousEmails} while the account held it. Bind
	 * {@link #previousEmailParams()} with it.
	 */
	public static String sqlTypedWhileHeld(String address, String at) {
		return """
				EXISTS (SELECT 1 FROM unnest(:previousHashes::text[], :previousFrom::timestamptz[],
				    :previousUntil::timestamptz[]) AS held(sha256, held_from, held_until)
				  WHERE held.sha256 = %s AND %s BETWEEN held.held_from AND held.held_until)"""
			.formatted(Account.SQL_EMAIL_HASH.formatted(address), at);
	}

	/** The parameters of {@link #sqlTypedWhileHeld}. */
	public Map<String, Object> previousEmailParams() {
		return Map.of(
				"previousHashes", previousEmails.stream().map(PreviousEmail::sha256).toArray(String[]::new),
				"previousFrom", previousEmails.stream().map(p -> p.heldFrom().toString()).toArray(String[]::new),
				"previousUntil", previousEmails.stream().map(p -> p.heldUntil().toString()).toArray(String[]::new));
	}
}
