package dev.subdesk.accounts;

/**
 * An account was opened with {@code email}, by any path (the API's {@code POST /accounts}, a sign-in code that proved
 * the address checkout typed, the demo's customers), in the transaction that publishes this: synchronous listeners
 * settle there what waited for the address without an account (intake's sign-in codes asked for by checkout's "I am
 * new here": they become the account's, and what a stranger typed with them goes). It holds personal data, so it
 * stays in process: it must never get a transactional or asynchronous listener, which would store it with the event
 * publications.
 */
public record AccountOpened(String accountId, String email) {
}
