package dev.subdesk.accounts;

import java.time.Instant;

/**
 * An account was closed and its personal data erased, in the transaction that publishes this. Listeners erase
 * what their module keeps about the customer in the same transaction, replacing emails with {@code tombstone}.
 * {@code erasedEmail} is the address the account had: in process only, for listeners to find what was typed with it
 * where no account id says whose it is (a public form sent about someone else's contract).
 */
public record AccountClosed(String accountId, String tombstone, Instant at, String erasedEmail) {
}
