/**
 * Webhooks (shared/API.md, Webhooks 1.1): the vendor's endpoints with their signing secrets, and the dispatcher that
 * delivers every domain event to the endpoints that asked for its type, signed as the Standard Webhooks
 * specification says, at least once, in sequence order per subject and endpoint, retried for three days. Several
 * nodes run the dispatcher at once: the fan-out and every attempt are claims in the database.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Webhooks", allowedDependencies = { "shared", "events", "sealing" })
package dev.subdesk.webhooks;
