package dev.subdesk.accounts;

import dev.subdesk.shared.SubdeskException;

/** {@code 409 ACCOUNT_CLOSED}: the account is closed and takes no new payment method, device or subscription. */
public class AccountClosedException extends SubdeskException {

	public AccountClosedException(String accountId) {
		super(409, "ACCOUNT_CLOSED", "Account " + accountId + " is closed");
	}
}
