package dev.subdesk.cancellation;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * The newest receipt signing key, the one that signs, cannot sign on this node: it is sealed under a key-encryption
 * key the node does not have ({@link #nodeLacksItsKek}: the node is misconfigured), or its row was altered or damaged
 * (it does not open under a key the node has, or opens to a key that does not match its published public key). The
 * first refuses the node's start ({@link Receipts}): a node that took cancellations it could not sign receipts for
 * would answer every one of them with an error, and a key of its own, sealed under a key the other nodes lack, would
 * stop them in turn. The second does not: the node signs with a new key of its own (logged as an error). The message
 * names the key, why it does not open and what to do.
 */
final class ReceiptKeyDoesNotOpen extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String keyId;

	private final boolean nodeLacksItsKek;

	ReceiptKeyDoesNotOpen(String keyId, String why, boolean nodeLacksItsKek, @Nullable Throwable cause) {
		super("Receipt signing key " + keyId + " (the newest in receipt_keys, which signs the receipt of every new "
				+ "cancellation) cannot sign on this node: " + why, cause);
		this.keyId = keyId;
		this.nodeLacksItsKek = nodeLacksItsKek;
	}

	/**
	 * Whether the key is sealed under a key-encryption key this node does not have (a node started with another
	 * {@code SUBDESK_ENTITLEMENT_KEK}), rather than its row being altered or damaged.
	 */
	boolean nodeLacksItsKek() {
		return nodeLacksItsKek;
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
