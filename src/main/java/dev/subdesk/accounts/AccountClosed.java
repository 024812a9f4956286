package dev.subdesk.accounts;

import java.time.Instant;

/**
 * An account was closed and its personal data erased, in the transaction that publishes this. Listeners erase
 * what their module keeps about the customer in the same transaction, replacing emails with {@code tombstone}.
 */
public record AccountClosed(String accountId, String tombstone, Instant at) {
}
