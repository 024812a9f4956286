/**
 * Idempotent answers: the answers of API requests that carried an {@code Idempotency-Key}, kept 24 hours so that a
 * retry gets the first answer instead of doing the work again; one request at a time per key; an answer that
 * concerned a closed account erased with it; answers sealed at rest, since one can hold a secret shown once. The
 * API's filter only translates HTTP to these calls.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Idempotent answers", allowedDependencies = { "shared", "accounts", "sealing" })
package dev.subdesk.idempotency;
