package dev.subdesk.accounts;

import dev.subdesk.shared.EmailAddresses;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An account is being closed, and {@code email} is about to be erased: published in the closing transaction just
 * before, for synchronous listeners to erase what was typed with that address where no account id says whose it is
 * (a public form sent with it about someone else's contract). Every address is erased only from what was typed with
 * it while this account held it: an address is free for anyone once given up, and what another account's customer
 * typed with it while they held it is theirs. So {@code email} goes from what was typed with it from
 * {@code emailHeldFrom} on (the account's opening, or the change that gave it the address; match with
 * {@link #sqlTypedWithEmail}), and {@code previousEmails}, the addresses the account had before, by
 * {@link Account#SQL_EMAIL_HASH}, each with the time the account held it, from what was typed with them then (match with
 * {@link #sqlTypedWhileHeld}). Instants are whole seconds (the clock's resolution); the second in which an address
 * passed from one account to another counts as the leaving account's, so each second of an address is one account's.
 * It holds personal data, so it stays in process: it must never get a transactional or asynchronous listener, which
 * would store it with the event publications.
 */
public record AccountErasing(String accountId, String email, Instant emailHeldFrom, List<PreviousEmail> previousEmails) {

	/**
	 * An address the account had, by its hash, held from {@code heldFrom} to {@code heldUntil}, both included
	 * (instants are whole seconds: the second of a change counts as the leaving account's).
	 */
	public record PreviousEmail(String sha256, Instant heldFrom, Instant heldUntil) {
	}

	/**
	 * The SQL condition that the address in the text column or expression {@code address}, stored at the instant in
	 * {@code at}, is {@link #email} (by the one rule of addresses, {@link EmailAddresses#SQL_KEY}) and was typed while
	 * this account held it. Bind {@link #params()} with it.
	 */
	public static String sqlTypedWithEmail(String address, String at) {
		return "(%s = %s AND %s)".formatted(EmailAddresses.sqlKey(address), EmailAddresses.sqlKey(":email"),
				sqlWhileHoldingEmail(at));
	}

	/**
	 * The SQL condition that the instant in {@code at} is in the time this account has held {@link #email}, for a
	 * match of the address made otherwise. Bind {@link #params()} with it.
	 */
	public static String sqlWhileHoldingEmail(String at) {
		return "%s >= :emailHeldFrom::timestamptz".formatted(at);
	}

	/**
	 * The SQL condition that the address in the text column or expression {@code address}, stored at the instant in
	 * {@code at}, was typed with one of the {@link #previousEmails} while the account held it. Bind
	 * {@link #params()} with it.
	 */
	public static String sqlTypedWhileHeld(String address, String at) {
		return """
				EXISTS (SELECT 1 FROM unnest(:previousHashes::text[], :previousFrom::timestamptz[],
				    :previousUntil::timestamptz[]) AS held(sha256, held_from, held_until)
				  WHERE held.sha256 = %s AND %s BETWEEN held.held_from AND held.held_until)"""
			.formatted(Account.SQL_EMAIL_HASH.formatted(address), at);
	}

	/** The parameters of {@link #sqlTypedWithEmail}, {@link #sqlWhileHoldingEmail} and {@link #sqlTypedWhileHeld}. */
	public Map<String, Object> params() {
		return Map.of(
				"email", email,
				"emailHeldFrom", emailHeldFrom.toString(),
				"previousHashes", previousEmails.stream().map(PreviousEmail::sha256).toArray(String[]::new),
				"previousFrom", previousEmails.stream().map(p -> p.heldFrom().toString()).toArray(String[]::new),
				"previousUntil", previousEmails.stream().map(p -> p.heldUntil().toString()).toArray(String[]::new));
	}
}
