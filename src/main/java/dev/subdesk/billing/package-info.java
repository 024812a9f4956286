/**
 * Charges and refunds. A charge knows its subscription only by id. Refunds never exceed their charge and
 * always go back to the charge's own payment method (invariant 3).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Billing", allowedDependencies = { "shared", "events", "clock", "payments", "accounts" })
package dev.subdesk.billing;
