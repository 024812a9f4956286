/**
 * Sealing at rest: the key-encryption key from the environment ({@code SUBDESK_ENTITLEMENT_KEK}) and AES-256-GCM
 * sealing under it, for whatever secret a module must store but never keep in the clear (the entitlement and
 * receipt signing keys, the webhook signing secrets, the stored answers of idempotent requests), the previous keys
 * of a rotation ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}) and the keys accepted ahead of one ({@code SUBDESK_ENTITLEMENT_KEK_NEXT}),
 * and the job that re-seals under the current key the rows each module
 * declares ({@link dev.subdesk.sealing.SealedRows}). It knows no other module.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Sealing", allowedDependencies = {})
package dev.subdesk.sealing;
