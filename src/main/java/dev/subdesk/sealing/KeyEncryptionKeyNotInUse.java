package dev.subdesk.sealing;

import java.util.List;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * The node was started with a key-encryption key other than the one the fleet runs: the key id a node's start recorded
 * last ({@code kek_in_use}) is neither its {@code SUBDESK_ENTITLEMENT_KEK} nor one of its previous or next keys
 * ({@link KeyEncryptionKeyInUse}). It refuses the start: what it sealed, the other nodes could not open. The message
 * names both ids and what to do.
 */
final class KeyEncryptionKeyNotInUse extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private KeyEncryptionKeyNotInUse(String message) {
		super(message);
	}

	/**
	 * This node opens the key recorded last, but that node's fleet does not open this node's key (a node of a
	 * rotation's first step, the old key with the new one next, started after the rotation ended).
	 */
	static KeyEncryptionKeyNotInUse notOpenedBy(String recorded, List<String> recordedOpens, String current) {
		return new KeyEncryptionKeyNotInUse("SUBDESK_ENTITLEMENT_KEK is not the key-encryption key in use: this node's "
				+ "key is " + current + ", while the node whose start (kek_in_use) was recorded last runs " + recorded
				+ " and opens only " + recordedOpens + ". What this node sealed, those nodes could not open. Start it "
				+ "with the SUBDESK_ENTITLEMENT_KEK the other nodes run (" + recorded + ": an old configuration, a "
				+ "rotation that already ended?); to change the key, follow the steps of docs/OPERATIONS.md, "
				+ "\"Changing the key-encryption key\"");
	}

	KeyEncryptionKeyNotInUse(String recorded, String current, List<String> previous, List<String> next) {
		super("SUBDESK_ENTITLEMENT_KEK is not the key-encryption key in use: this node's key is " + current
				+ (previous.isEmpty() ? "" : " (previous " + previous + ")")
				+ (next.isEmpty() ? "" : " (next " + next + ")") + ", while the key recorded last by a node's start "
				+ "(kek_in_use) is " + recorded + ", which is neither SUBDESK_ENTITLEMENT_KEK nor listed in "
				+ "SUBDESK_ENTITLEMENT_KEK_PREVIOUS or SUBDESK_ENTITLEMENT_KEK_NEXT. What this node sealed, the nodes "
				+ "running " + recorded + " could not open. Start it with the SUBDESK_ENTITLEMENT_KEK the other nodes "
				+ "run (a mistyped or wrong value?); to change the key, follow the steps of docs/OPERATIONS.md, "
				+ "\"Changing the key-encryption key\" (first SUBDESK_ENTITLEMENT_KEK_NEXT=<new> on every node, then "
				+ "the new key with SUBDESK_ENTITLEMENT_KEK_PREVIOUS=<old>)");
	}

	/** Prints the refusal as Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
	static final class RefusalReport extends AbstractFailureAnalyzer<KeyEncryptionKeyNotInUse> {

		@Override
		protected FailureAnalysis analyze(Throwable root, KeyEncryptionKeyNotInUse cause) {
			return new FailureAnalysis(cause.getMessage(), "This node refuses to start rather than seal secrets the "
					+ "other nodes cannot open. Do what the description says and start it again. If the key recorded "
					+ "last is itself the mistake (a node started with a mistyped key, the others refused since), see "
					+ "docs/OPERATIONS.md, \"Changing the key-encryption key\".", cause);
		}
	}
}
