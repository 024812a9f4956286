package dev.subdesk.accounts;

/**
 * An account's email changed from {@code previousEmail} to {@code newEmail}, in the transaction that publishes this:
 * the previous address is told (the EMAIL_CHANGED notice), so a change the holder did not make does not go unseen.
 */
public record EmailChanged(String accountId, String country, String previousEmail, String newEmail) {
}
