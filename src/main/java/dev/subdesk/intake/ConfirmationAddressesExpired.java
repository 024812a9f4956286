package dev.subdesk.intake;

import java.util.List;

/**
 * The confirmation addresses of public cancellation requests filed under an account have just been erased, their 90
 * days being over ({@link PublicRequestRetention}): addresses typed for the confirmation that were neither the email
 * typed with the request nor the account's email now, so possibly anyone's. Published in that transaction, so that the
 * confirmation notices stored under the account for those requests ({@link PublicCancellationReceived}) lose that
 * recipient in it too. Only the requests that have a confirmation number are listed: the others' confirmations went
 * under no account ({@link PublicRequestUnmatched}) and lose their address by {@link UnmatchedRequestsExpired}.
 */
public record ConfirmationAddressesExpired(List<Confirmation> confirmations) {

	public ConfirmationAddressesExpired {
		confirmations = List.copyOf(confirmations);
	}

	/**
	 * A request's confirmation: the account it is filed under, the confirmation number of the cancellation it
	 * confirmed (as its notice's related id) and the address typed for it, as it was stored (the notice's recipient).
	 */
	public record Confirmation(String accountId, String confirmationNumber, String address) {
	}
}
