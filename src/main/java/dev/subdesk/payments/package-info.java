/**
 * The payment-gateway port and its sandbox adapter. Only gateway tokens cross this boundary; no card
 * number, CVC or password ever reaches Subdesk.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Payments gateway", allowedDependencies = "shared")
package dev.subdesk.payments;
