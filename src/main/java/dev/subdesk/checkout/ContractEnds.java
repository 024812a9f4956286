package dev.subdesk.checkout;

import java.time.Instant;
import java.util.Collection;
import java.util.Set;

/**
 * When the contract a consent was given for ended, as R-US-2's retention counts from it ("1 year after the contract
 * ends"). Implemented by the subscriptions module (downstream of this one), which records each subscription's end.
 */
public interface ContractEnds {

	/**
	 * Of {@code subscriptionIds}, those whose contract has ended, and ended before {@code before}; a subscription that
	 * has not ended (whatever its age) or is unknown is never among them.
	 */
	Set<String> endedBefore(Collection<String> subscriptionIds, Instant before);
}
