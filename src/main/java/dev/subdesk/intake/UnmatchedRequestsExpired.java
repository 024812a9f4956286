package dev.subdesk.intake;

import java.time.Instant;

/**
 * What was typed into the unmatched public requests received before {@code receivedBefore} has just been erased
 * (their 90 days are over, {@link PublicRequestRetention}); published in that transaction, so that the confirmations
 * sent for them to a typed address ({@link PublicRequestUnmatched}) lose that address in it too.
 */
public record UnmatchedRequestsExpired(Instant receivedBefore) {
}
