package dev.subdesk.checkout;

import java.time.Instant;
import java.util.Optional;

/**
 * The free trial of the base subscription an add-on is bought onto, which the add-on shares: it is free until the
 * base's trial ends and converts with it. Implemented by the subscriptions module (downstream of this one), so the
 * disclosure of such an add-on states when its first charge really comes.
 */
public interface BaseTrials {

	/**
	 * The end of the free trial of {@code subscriptionId} when it is a subscription of {@code accountId} that is in its
	 * free trial and not set to end; empty otherwise (the add-on is then charged at once, or refused at purchase).
	 */
	Optional<Instant> trialEnd(String accountId, String subscriptionId);

	/** Whether {@code subscriptionId} is a subscription of {@code accountId} (in any status). */
	boolean isOf(String accountId, String subscriptionId);
}
