package dev.subdesk.intake;

/** A valid "Withdraw from contract here" request, each text stripped; the web form checks the fields first. */
public record PublicWithdrawalRequest(String name, String email, String orderNumber) {
}
