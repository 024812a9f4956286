package dev.subdesk.sealing;

import java.util.Map;

/**
 * Rows a module keeps sealed under the {@link KeyEncryptionKey}, each with the fingerprint of the key that sealed it:
 * what {@link Resealing} moves to the current key after a rotation. Each module that seals implements it for its
 * own tables; this module knows none of them.
 */
public interface SealedRows {

	/** What these rows hold, for the log ("entitlement signing keys"). */
	String what();

	/** How many rows are sealed under each key other than the current one, by the key's fingerprint. */
	Map<String, Long> sealedUnderOtherKeys();

	/**
	 * Seals at most {@code limit} rows sealed under a previous key ({@link KeyEncryptionKey#previousIds()}) again under
	 * the current one, in one short transaction that skips rows other transactions hold; how many it re-sealed.
	 */
	int resealBatch(int limit);
}
