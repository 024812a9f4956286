package dev.subdesk.cancellation;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * The newest receipt signing key, the one that signs, cannot sign on this node: it does not open under the
 * key-encryption keys the node has, or it opens to a key that does not match its published public key. When the node
 * starts, this refuses the start ({@link Receipts}): a node that took cancellations it could not sign receipts for
 * would answer every one of them with an error. The message names the key, why it does not open and what to do.
 */
final class ReceiptKeyDoesNotOpen extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String keyId;

	ReceiptKeyDoesNotOpen(String keyId, String why, @Nullable Throwable cause) {
		super("Receipt signing key " + keyId + " (the newest in receipt_keys, which signs the receipt of every new "
				+ "cancellation) cannot sign on this node: " + why, cause);
		this.keyId = keyId;
	}

	/** The {@code receipt_keys.key_id} of the key. */
	String keyId() {
		return keyId;
	}

	/** Prints the refusal as Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
	static final class RefusalReport extends AbstractFailureAnalyzer<ReceiptKeyDoesNotOpen> {

		@Override
		protected FailureAnalysis analyze(Throwable root, ReceiptKeyDoesNotOpen cause) {
			return new FailureAnalysis(cause.getMessage(), "This node refuses to start rather than take cancellations "
					+ "it cannot sign receipts for. Do what the description says and start it again; never delete the "
					+ "row of receipt key " + cause.keyId() + " (its public key verifies the receipts it signed).", cause);
		}
	}
}
