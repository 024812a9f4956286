package dev.subdesk.cancellation;

/** A public key that verifies receipts: base64url of the raw 32 Ed25519 bytes. */
public record ReceiptKey(String keyId, String algorithm, String publicKey) {
}
