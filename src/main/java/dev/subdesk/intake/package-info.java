/**
 * What customers send without signing in: the public "Cancel contracts here" (§ 312k BGB) and "Withdraw from
 * contract here" (R-EU-5..7) requests, acted on through the same cancellation services as the API or kept for an
 * agent with a support case, with their limits per email and client address and their retention (what a stranger
 * typed is erased after 90 days, and so is a confirmation address that was neither the account's email nor typed as
 * the customer's, from the request, its notice and the line of the case it opened that names it; what an account's
 * customer typed when the account closes); and the portal's
 * one-time sign-in codes with their limits and retention. It owns the tables {@code public_cancellation_requests},
 * {@code public_withdrawal_requests}, {@code public_form_sends} and {@code portal_sign_in_codes}; the web pages only
 * translate forms into its requests and its results into views.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Public intake",
		allowedDependencies = { "shared", "accounts", "subscriptions", "cancellation", "support", "sealing" })
package dev.subdesk.intake;
