package dev.subdesk.renewals;

import dev.subdesk.subscriptions.Subscription;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The renewal of {@code subscription} due at {@code dueAt} was declined with {@code declineCode}, in the transaction
 * that records it: {@code failedChargeId} is the failed charge recorded (none when no card was left to charge), and
 * {@code expired} the subscriptions that ended for good with it (empty while retries remain). The account holder
 * ({@code email}, {@code country}) is to be told.
 */
public record RenewalDeclined(Subscription subscription, @Nullable String failedChargeId, String declineCode,
		List<Subscription> expired, String email, String country, Instant dueAt) {

	public RenewalDeclined {
		expired = List.copyOf(expired);
	}
}
