/**
 * Domain events: the log every state change of the contract's types (account, subscription, charge, refund,
 * device, case) appends to in its own transaction, read by the webhook dispatcher, the notices and
 * {@code GET /events}. An outbox table of our own rather than Spring Modulith's event publication registry: see
 * docs/DESIGN-NOTES.md.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Events", allowedDependencies = { "shared" })
package dev.subdesk.events;
